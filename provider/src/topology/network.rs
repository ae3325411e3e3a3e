//! VPC, subnets per tier and AZ, gateways, routes, security groups per tier, gateway endpoints
//! and flow logs.

use super::{json, obj, reference, strings, Builder, NetworkOut, TopologyError, V};
use crate::environment::spec::{Compute, NatStrategy};

pub const TIERS: [&str; 3] = ["public", "private", "data"];

/// Subnet blocks: the VPC is cut into 32 equal blocks (room for 3 tiers x 6 AZs), block
/// `tier * 8 + az`, so tiers never overlap and adding AZs never moves an existing subnet.
pub fn subnet_cidrs(
    vpc: ipnet::Ipv4Net,
    az_count: usize,
) -> Result<Vec<Vec<ipnet::Ipv4Net>>, TopologyError> {
    let prefix = vpc.prefix_len() + 5;
    let blocks: Vec<ipnet::Ipv4Net> = vpc
        .subnets(prefix)
        .map_err(|_| TopologyError::NoRoom {
            cidr: vpc.to_string(),
            needed: 3 * az_count,
        })?
        .collect();
    Ok((0..TIERS.len())
        .map(|t| (0..az_count).map(|az| blocks[t * 8 + az]).collect())
        .collect())
}

fn sg_rule(
    from: i64,
    to: i64,
    protocol: &str,
    description: &str,
    cidrs: Vec<&str>,
    sgs: Vec<V>,
) -> V {
    obj([
        ("description", description.into()),
        ("from_port", from.into()),
        ("to_port", to.into()),
        ("protocol", protocol.into()),
        ("cidr_blocks", strings(cidrs)),
        ("ipv6_cidr_blocks", V::List(vec![])),
        ("prefix_list_ids", V::List(vec![])),
        ("security_groups", V::List(sgs)),
        ("self", false.into()),
    ])
}

pub fn build(b: &mut Builder) -> Result<NetworkOut, TopologyError> {
    let spec = b.spec;
    let azs = spec.network.az_count;
    let cidrs = subnet_cidrs(spec.network.cidr_block, azs)?;

    let vpc = b.add(
        "aws_vpc",
        "main",
        obj([
            ("cidr_block", spec.network.cidr_block.to_string().into()),
            ("enable_dns_support", true.into()),
            ("enable_dns_hostnames", true.into()),
            ("instance_tenancy", "default".into()),
            ("tags", obj([("Name", b.name("vpc").into())])),
        ]),
    );
    let vpc_id = reference(&vpc, "id");

    let mut subnets: Vec<Vec<String>> = Vec::new();
    for (t, tier) in TIERS.iter().enumerate() {
        let mut addrs = Vec::new();
        for az in 0..azs {
            addrs.push(b.add(
                "aws_subnet",
                &format!("{tier}[{az}]"),
                obj([
                    ("vpc_id", vpc_id.clone()),
                    ("cidr_block", cidrs[t][az].to_string().into()),
                    ("availability_zone", b.at.az(az).into()),
                    ("map_public_ip_on_launch", false.into()),
                    (
                        "tags",
                        obj([
                            ("Name", b.name(&format!("{tier}-{}", b.at.az(az))).into()),
                            ("edulibra:tier", (*tier).into()),
                        ]),
                    ),
                ]),
            ));
        }
        subnets.push(addrs);
    }
    let (public, private, data) = (subnets[0].clone(), subnets[1].clone(), subnets[2].clone());

    let igw = b.add(
        "aws_internet_gateway",
        "main",
        obj([
            ("vpc_id", vpc_id.clone()),
            ("tags", obj([("Name", b.name("igw").into())])),
        ]),
    );

    let nat_count = match spec.network.nat_gateways {
        NatStrategy::None => 0,
        NatStrategy::Single => 1,
        NatStrategy::PerAz => azs,
    };
    let mut nats = Vec::new();
    for i in 0..nat_count {
        let eip = b.add_after(
            "aws_eip",
            &format!("nat[{i}]"),
            obj([
                ("domain", "vpc".into()),
                (
                    "tags",
                    obj([("Name", b.name(&format!("nat-{}", b.at.az(i))).into())]),
                ),
            ]),
            &[&igw],
        );
        nats.push(b.add(
            "aws_nat_gateway",
            &format!("main[{i}]"),
            obj([
                ("allocation_id", reference(&eip, "id")),
                ("subnet_id", reference(&public[i], "id")),
                ("connectivity_type", "public".into()),
                (
                    "tags",
                    obj([("Name", b.name(&format!("nat-{}", b.at.az(i))).into())]),
                ),
            ]),
        ));
    }

    let rt_public = b.add(
        "aws_route_table",
        "public",
        obj([
            ("vpc_id", vpc_id.clone()),
            ("tags", obj([("Name", b.name("public").into())])),
        ]),
    );
    b.add(
        "aws_route",
        "public_internet",
        obj([
            ("route_table_id", reference(&rt_public, "id")),
            ("destination_cidr_block", "0.0.0.0/0".into()),
            ("gateway_id", reference(&igw, "id")),
        ]),
    );
    for (i, s) in public.iter().enumerate() {
        b.add(
            "aws_route_table_association",
            &format!("public[{i}]"),
            obj([
                ("subnet_id", reference(s, "id")),
                ("route_table_id", reference(&rt_public, "id")),
            ]),
        );
    }
    let mut private_rts = Vec::new();
    for (i, s) in private.iter().enumerate() {
        let rt = b.add(
            "aws_route_table",
            &format!("private[{i}]"),
            obj([
                ("vpc_id", vpc_id.clone()),
                (
                    "tags",
                    obj([("Name", b.name(&format!("private-{}", b.at.az(i))).into())]),
                ),
            ]),
        );
        if !nats.is_empty() {
            let nat = &nats[i.min(nats.len() - 1)];
            b.add(
                "aws_route",
                &format!("private_nat[{i}]"),
                obj([
                    ("route_table_id", reference(&rt, "id")),
                    ("destination_cidr_block", "0.0.0.0/0".into()),
                    ("nat_gateway_id", reference(nat, "id")),
                ]),
            );
        }
        b.add(
            "aws_route_table_association",
            &format!("private[{i}]"),
            obj([
                ("subnet_id", reference(s, "id")),
                ("route_table_id", reference(&rt, "id")),
            ]),
        );
        private_rts.push(rt);
    }
    // The data tier has no route out of the VPC at all.
    let rt_data = b.add(
        "aws_route_table",
        "data",
        obj([
            ("vpc_id", vpc_id.clone()),
            ("tags", obj([("Name", b.name("data").into())])),
        ]),
    );
    for (i, s) in data.iter().enumerate() {
        b.add(
            "aws_route_table_association",
            &format!("data[{i}]"),
            obj([
                ("subnet_id", reference(s, "id")),
                ("route_table_id", reference(&rt_data, "id")),
            ]),
        );
    }

    let mut endpoint_rts: Vec<V> = private_rts.iter().map(|rt| reference(rt, "id")).collect();
    endpoint_rts.push(reference(&rt_data, "id"));
    for svc in ["s3", "dynamodb"] {
        b.add(
            "aws_vpc_endpoint",
            svc,
            obj([
                ("vpc_id", vpc_id.clone()),
                (
                    "service_name",
                    format!("com.amazonaws.{}.{svc}", b.at.region).into(),
                ),
                ("vpc_endpoint_type", "Gateway".into()),
                ("route_table_ids", V::List(endpoint_rts.clone())),
                (
                    "tags",
                    obj([("Name", b.name(&format!("{svc}-endpoint")).into())]),
                ),
            ]),
        );
    }

    // Security groups per tier: each admits only the tier in front of it.
    let vpc_cidr = spec.network.cidr_block.to_string();
    let sg = |b: &mut Builder, name: &str, description: &str, ingress: Vec<V>, egress: Vec<V>| {
        b.add(
            "aws_security_group",
            name,
            obj([
                ("name", b.name(name).into()),
                ("description", description.into()),
                ("vpc_id", vpc_id.clone()),
                ("ingress", V::List(ingress)),
                ("egress", V::List(egress)),
                ("revoke_rules_on_delete", true.into()),
            ]),
        )
    };
    let sg_alb = if spec.compute == Compute::Containers {
        let port = if spec.containers.certificate_arn.is_some() {
            443
        } else {
            80
        };
        Some(sg(
            b,
            "alb",
            "Load balancer: HTTPS from the internet, to the application tier only",
            vec![sg_rule(
                port,
                port,
                "tcp",
                "Viewers",
                vec!["0.0.0.0/0"],
                vec![],
            )],
            vec![sg_rule(
                8080,
                8080,
                "tcp",
                "Application tier",
                vec![&vpc_cidr],
                vec![],
            )],
        ))
    } else {
        None
    };
    let app_ingress = match &sg_alb {
        Some(alb) => vec![sg_rule(
            8080,
            8080,
            "tcp",
            "From the load balancer",
            vec![],
            vec![reference(alb, "id")],
        )],
        None => vec![],
    };
    let sg_app = sg(
        b,
        "app",
        "Application tier: from the load balancer; out to AWS APIs, the database and the cache",
        app_ingress,
        vec![
            sg_rule(
                443,
                443,
                "tcp",
                "AWS APIs and the internet over HTTPS",
                vec!["0.0.0.0/0"],
                vec![],
            ),
            sg_rule(5432, 5432, "tcp", "Database tier", vec![&vpc_cidr], vec![]),
            sg_rule(6379, 6379, "tcp", "Cache tier", vec![&vpc_cidr], vec![]),
        ],
    );
    let sg_db = sg(
        b,
        "database",
        "Database tier: PostgreSQL from the application tier only",
        vec![sg_rule(
            5432,
            5432,
            "tcp",
            "PostgreSQL from the application tier",
            vec![],
            vec![reference(&sg_app, "id")],
        )],
        vec![],
    );
    let sg_cache = sg(
        b,
        "cache",
        "Cache tier: Redis from the application tier only",
        vec![sg_rule(
            6379,
            6379,
            "tcp",
            "Redis from the application tier",
            vec![],
            vec![reference(&sg_app, "id")],
        )],
        vec![],
    );

    Ok(NetworkOut {
        vpc,
        public_subnets: public,
        private_subnets: private,
        data_subnets: data,
        sg_alb,
        sg_app,
        sg_db,
        sg_cache,
    })
}

/// Flow logs need the key and a log group, so security builds them; the role policy lives here
/// beside the network it watches.
pub fn flow_logs(b: &mut Builder, vpc: &str, kms_key: &str) {
    let group_name = format!("/edulibra/{}/vpc-flow-logs", b.prefix());
    let group = b.add(
        "aws_cloudwatch_log_group",
        "flow_logs",
        obj([
            ("name", group_name.clone().into()),
            (
                "retention_in_days",
                b.spec.observability.log_retention_days.into(),
            ),
            ("kms_key_id", reference(kms_key, "arn")),
        ]),
    );
    let role = b.add(
        "aws_iam_role",
        "flow_logs",
        obj([
            ("name", b.global_name("flow-logs").into()),
            (
                "description",
                "Lets VPC flow logs write to their log group".into(),
            ),
            (
                "assume_role_policy",
                super::iam::service_trust(b, "vpc-flow-logs.amazonaws.com"),
            ),
        ]),
    );
    let group_arn =
        b.at.arn("logs", &b.at.region, &format!("log-group:{group_name}"));
    b.add(
        "aws_iam_role_policy",
        "flow_logs",
        obj([
            ("name", "write-flow-logs".into()),
            ("role", reference(&role, "name")),
            (
                "policy",
                json(obj([
                    ("Version", "2012-10-17".into()),
                    (
                        "Statement",
                        V::List(vec![obj([
                            ("Effect", "Allow".into()),
                            (
                                "Action",
                                strings([
                                    "logs:CreateLogStream",
                                    "logs:PutLogEvents",
                                    "logs:DescribeLogStreams",
                                ]),
                            ),
                            (
                                "Resource",
                                strings([group_arn.clone(), format!("{group_arn}:*")]),
                            ),
                        ])]),
                    ),
                ])),
            ),
        ]),
    );
    b.add(
        "aws_flow_log",
        "vpc",
        obj([
            ("vpc_id", reference(vpc, "id")),
            ("traffic_type", "ALL".into()),
            ("log_destination_type", "cloud-watch-logs".into()),
            ("log_destination", reference(&group, "arn")),
            ("iam_role_arn", reference(&role, "arn")),
            ("max_aggregation_interval", 60.into()),
        ]),
    );
}
