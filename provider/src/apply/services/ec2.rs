//! VPC, subnets, gateways, routes, security groups, endpoints and flow logs.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{
    AttributeBooleanValue, DomainType, Filter, FlowLogsResourceType, IpPermission, IpRange,
    LogDestinationType, ResourceType, RouteTable, Tag, TagSpecification, TrafficType,
    UserIdGroupPair,
};
use aws_sdk_ec2::Client;
use serde_json::{Map, Value as Json};

use super::{
    absent_ok, attrs, for_states, not_found, observed, tag_map, unsupported, Absent, Call, States,
};
use crate::apply::driver::{Attrs, CallError, Desired, Driver, ErrorClass, Fields, Fut};
use crate::apply::resource::set_change;
use crate::apply::tags::{self, Tagging};

pub struct Ec2 {
    client: Client,
    /// The same service for calls that only read: the SDK retries those itself.
    reads: Client,
}

super::sdk_tag!(Tag, infallible);

/// EC2 tags any resource through the same three calls, by id.
impl Tagging for Client {
    async fn read_tags(&self, id: &str) -> Result<BTreeMap<String, String>, CallError> {
        let r = self.describe_tags().filters(filter("resource-id", id));
        let mut pages = r.into_paginator().items().send();
        let mut out = BTreeMap::new();
        while let Some(t) = pages.next().await {
            let t = t.op("DescribeTags")?;
            out.insert(
                t.key().unwrap_or("").to_string(),
                t.value().unwrap_or("").to_string(),
            );
        }
        Ok(out)
    }
    async fn untag(&self, id: &str, keys: Vec<String>) -> Result<(), CallError> {
        let gone = keys.into_iter().map(|k| Tag::builder().key(k).build());
        let r = self
            .delete_tags()
            .resources(id)
            .set_tags(Some(gone.collect()));
        r.send().await.op("DeleteTags").map(drop)
    }
    async fn tag(&self, id: &str, tags: Vec<(String, String)>) -> Result<(), CallError> {
        let r = self
            .create_tags()
            .resources(id)
            .set_tags(Some(tags::sdk(&tags)?));
        r.send().await.op("CreateTags").map(drop)
    }
}

fn tag_spec(rt: ResourceType, d: &Desired) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(rt)
        .set_tags(Some(
            d.tags()
                .iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .build()
}

/// Filters that find the resources of one environment. The child is picked from those by its
/// component tag on our side: EC2 filter values are patterns (`*`, `?`, and in the moto server
/// also `[...]`), and child addresses hold brackets.
fn by_component(d: &Desired) -> Vec<Filter> {
    vec![Filter::builder()
        .name("tag:edulibra:environment")
        .values(d.environment)
        .build()]
}

/// True when a resource with `tags` is this child. The environment filter of the describe call
/// is checked again here: a filter an endpoint ignores (the moto server ignores it on
/// DescribeAddresses) must not let another environment's resource be adopted.
fn is_child(tags: &[Tag], d: &Desired) -> bool {
    d.owns(&tags::read(tags))
}

/// The id (`$id`) of the first resource a paginated describe call lists, on any page, that is
/// this child (`is_child`) and, where given, not on its way out (`$live`): the one lookup of
/// every tagged EC2 type. The two-argument form filters by the environment (`set_filters`).
macro_rules! find_tagged {
    ($call:expr, $filters:expr, $op:literal, $d:expr, $id:ident) => {
        find_tagged!($call.set_filters($filters), $op, $d, $id, |_: &_| true)
    };
    ($call:expr, $op:literal, $d:expr, $id:ident, $live:expr) => {{
        let mut items = $call.into_paginator().items().send();
        let mut found = None;
        while let Some(x) = items.next().await {
            let x = x.op($op)?;
            if is_child(x.tags(), $d) && ($live)(&x) {
                found = x.$id().map(str::to_string);
                break;
            }
        }
        found
    }};
}

/// What one describe call by ids observes of each resource it lists (`$observed`, built from
/// `$v`), by id, for the resources not on their way out (`$live`): the read of every tagged EC2
/// type in one call per batch.
macro_rules! observe_many {
    ($out:ident, $call:expr, $op:literal, $list:ident, $id:ident, |$v:ident| $observed:expr) => {
        observe_many!($out, $call, $op, $list, $id, |_: &_| true, |$v| $observed)
    };
    ($out:ident, $call:expr, $op:literal, $list:ident, $id:ident, $live:expr, |$v:ident| $observed:expr) => {{
        let r = $call.send().await.op($op)?;
        for $v in r.$list() {
            if ($live)($v) {
                $out.insert($v.$id().unwrap_or("").to_string(), $observed);
            }
        }
    }};
}

/// Sends an EC2 create call (`$call`) with the child's tags on the resource it makes, and
/// answers the id its answer names (`$id`, from the answer `$r`).
macro_rules! create_tagged {
    ($d:ident, $rt:ident, $op:literal; $call:expr; |$r:ident| $id:expr) => {{
        let $r = $call.tag_specifications(tag_spec(ResourceType::$rt, $d));
        let $r = $r.send().await.op($op)?;
        $id.map(str::to_string)
    }};
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

fn id_of(a: &Attrs) -> Result<&str, CallError> {
    a.get("id").map(String::as_str).ok_or_else(|| {
        CallError::new(
            "state",
            "MissingId",
            "the state holds no id for this child",
            ErrorClass::Permanent,
        )
    })
}

const WAIT: Duration = Duration::from_secs(600);

/// "Vpc.State", EC2 API Reference: pending, available; none terminal.
const VPC_STATES: States = States {
    ready: &["available"],
    terminal: &[],
};

/// "NatGateway.State", EC2 API Reference: a `failed` gateway stays so (its `FailureMessage`
/// says why) until deleted.
const NAT_STATES: States = States {
    ready: &["available"],
    terminal: &["failed", "deleting", "deleted"],
};

impl Ec2 {
    /// A NAT gateway's state (None: not listed).
    async fn nat_state(&self, id: &str) -> Result<Option<String>, CallError> {
        let r = self
            .reads
            .describe_nat_gateways()
            .nat_gateway_ids(id)
            .send()
            .await;
        let r = absent_ok(r.op("DescribeNatGateways"))?;
        let gateway = r.as_ref().and_then(|r| r.nat_gateways().first());
        Ok(gateway
            .and_then(|n| n.state())
            .map(|s| s.as_str().to_string()))
    }

    /// The route table (None: gone), where its routes and associations are found.
    async fn route_table(&self, id: &str) -> Result<Option<RouteTable>, CallError> {
        let r = self
            .reads
            .describe_route_tables()
            .route_table_ids(id)
            .send()
            .await;
        let r = absent_ok(r.op("DescribeRouteTables"))?;
        Ok(r.and_then(|r| r.route_tables().first().cloned()))
    }

    pub fn new(client: Client, reads: Client) -> Ec2 {
        Ec2 { client, reads }
    }

    async fn find_id(&self, d: &Desired<'_>) -> Result<Option<String>, CallError> {
        let f = Some(by_component(d));
        let reads = &self.reads;
        let id = match d.kind {
            "aws_vpc" => find_tagged!(reads.describe_vpcs(), f, "DescribeVpcs", d, vpc_id),
            "aws_subnet" => {
                find_tagged!(reads.describe_subnets(), f, "DescribeSubnets", d, subnet_id)
            }
            "aws_internet_gateway" => find_tagged!(
                reads.describe_internet_gateways(),
                f,
                "DescribeInternetGateways",
                d,
                internet_gateway_id
            ),
            "aws_eip" => self
                .reads
                .describe_addresses()
                .set_filters(f)
                .send()
                .await
                .op("DescribeAddresses")?
                .addresses()
                .iter()
                .find(|x| is_child(x.tags(), d))
                .and_then(|x| x.allocation_id())
                .map(str::to_string),
            "aws_nat_gateway" => find_tagged!(
                reads.describe_nat_gateways().set_filter(f),
                "DescribeNatGateways",
                d,
                nat_gateway_id,
                |n: &aws_sdk_ec2::types::NatGateway| !matches!(
                    n.state().map(|s| s.as_str()),
                    Some("deleted") | Some("deleting") | Some("failed")
                )
            ),
            "aws_route_table" => find_tagged!(
                reads.describe_route_tables(),
                f,
                "DescribeRouteTables",
                d,
                route_table_id
            ),
            "aws_security_group" => find_tagged!(
                reads.describe_security_groups(),
                f,
                "DescribeSecurityGroups",
                d,
                group_id
            ),
            "aws_vpc_endpoint" => find_tagged!(
                reads.describe_vpc_endpoints().set_filters(f),
                "DescribeVpcEndpoints",
                d,
                vpc_endpoint_id,
                |e: &aws_sdk_ec2::types::VpcEndpoint| !matches!(
                    e.state().map(|s| s.as_str()),
                    Some("deleted") | Some("deleting")
                )
            ),
            "aws_flow_log" => {
                let vpc = d.str("vpc_id")?;
                find_tagged!(
                    reads
                        .describe_flow_logs()
                        .filter(filter("resource-id", vpc)),
                    "DescribeFlowLogs",
                    d,
                    flow_log_id,
                    |_: &_| true
                )
            }
            "aws_route" => {
                let (rt, dest) = (d.str("route_table_id")?, d.str("destination_cidr_block")?);
                let table = self.route_table(rt).await?;
                let routes = table.as_ref().map(|t| t.routes()).unwrap_or_default();
                let there = routes
                    .iter()
                    .any(|r| r.destination_cidr_block() == Some(dest));
                there.then(|| route_id(rt, dest))
            }
            "aws_route_table_association" => {
                let (rt, subnet) = (d.str("route_table_id")?, d.str("subnet_id")?);
                let table = self.route_table(rt).await?;
                let associations = table.as_ref().map(|t| t.associations()).unwrap_or_default();
                let ours = associations.iter().find(|a| a.subnet_id() == Some(subnet));
                ours.and_then(|a| a.route_table_association_id())
                    .map(str::to_string)
            }
            k => return Err(unsupported(k)),
        };
        Ok(id)
    }

    async fn create(&self, d: &Desired<'_>) -> Result<String, CallError> {
        let c = &self.client;
        let id = match d.kind {
            "aws_vpc" => create_tagged!(d, Vpc, "CreateVpc";
                c.create_vpc().cidr_block(d.str("cidr_block")?)
                    .instance_tenancy(d.opt_str("instance_tenancy").unwrap_or("default").into());
                |r| r.vpc().and_then(|v| v.vpc_id())),
            "aws_subnet" => create_tagged!(d, Subnet, "CreateSubnet";
                c.create_subnet().vpc_id(d.str("vpc_id")?).cidr_block(d.str("cidr_block")?)
                    .availability_zone(d.str("availability_zone")?);
                |r| r.subnet().and_then(|v| v.subnet_id())),
            "aws_internet_gateway" => create_tagged!(d, InternetGateway, "CreateInternetGateway";
                c.create_internet_gateway();
                |r| r.internet_gateway().and_then(|v| v.internet_gateway_id())),
            "aws_eip" => create_tagged!(d, ElasticIp, "AllocateAddress";
                c.allocate_address().domain(DomainType::Vpc);
                |r| r.allocation_id()),
            "aws_nat_gateway" => create_tagged!(d, Natgateway, "CreateNatGateway";
                c.create_nat_gateway().allocation_id(d.str("allocation_id")?)
                    .subnet_id(d.str("subnet_id")?)
                    .connectivity_type(d.opt_str("connectivity_type").unwrap_or("public").into());
                |r| r.nat_gateway().and_then(|v| v.nat_gateway_id())),
            "aws_route_table" => create_tagged!(d, RouteTable, "CreateRouteTable";
                c.create_route_table().vpc_id(d.str("vpc_id")?);
                |r| r.route_table().and_then(|v| v.route_table_id())),
            "aws_security_group" => create_tagged!(d, SecurityGroup, "CreateSecurityGroup";
                c.create_security_group().group_name(d.str("name")?)
                    .description(d.str("description")?).vpc_id(d.str("vpc_id")?);
                |r| r.group_id()),
            "aws_vpc_endpoint" => create_tagged!(d, VpcEndpoint, "CreateVpcEndpoint";
                c.create_vpc_endpoint().vpc_id(d.str("vpc_id")?)
                    .service_name(d.str("service_name")?)
                    .vpc_endpoint_type(d.opt_str("vpc_endpoint_type").unwrap_or("Gateway").into())
                    .set_route_table_ids(Some(d.strings("route_table_ids")));
                |r| r.vpc_endpoint().and_then(|v| v.vpc_endpoint_id())),
            "aws_flow_log" => {
                let out = c
                    .create_flow_logs()
                    .resource_ids(d.str("vpc_id")?)
                    .resource_type(FlowLogsResourceType::Vpc)
                    .traffic_type(TrafficType::from(
                        d.opt_str("traffic_type").unwrap_or("ALL"),
                    ))
                    .log_destination_type(LogDestinationType::from(
                        d.opt_str("log_destination_type")
                            .unwrap_or("cloud-watch-logs"),
                    ))
                    .log_destination(d.str("log_destination")?)
                    .deliver_logs_permission_arn(d.str("iam_role_arn")?)
                    .max_aggregation_interval(d.int32("max_aggregation_interval")?.unwrap_or(600))
                    .tag_specifications(tag_spec(ResourceType::VpcFlowLog, d))
                    .send()
                    .await
                    .op("CreateFlowLogs")?;
                if let Some(u) = out.unsuccessful().first() {
                    let msg = u.error().and_then(|e| e.message()).unwrap_or("refused");
                    return Err(CallError::new(
                        "CreateFlowLogs",
                        "Unsuccessful",
                        msg,
                        // The log-delivery role may still be propagating.
                        crate::apply::calls::classify("Unsuccessful", None, msg),
                    ));
                }
                out.flow_log_ids().first().cloned()
            }
            "aws_route" => {
                let rt = d.str("route_table_id")?;
                let dest = d.str("destination_cidr_block")?;
                c.create_route()
                    .route_table_id(rt)
                    .destination_cidr_block(dest)
                    .set_gateway_id(d.opt_str("gateway_id").map(str::to_string))
                    .set_nat_gateway_id(d.opt_str("nat_gateway_id").map(str::to_string))
                    .send()
                    .await
                    .op("CreateRoute")?;
                Some(route_id(rt, dest))
            }
            "aws_route_table_association" => c
                .associate_route_table()
                .route_table_id(d.str("route_table_id")?)
                .subnet_id(d.str("subnet_id")?)
                .send()
                .await
                .op("AssociateRouteTable")?
                .association_id()
                .map(str::to_string),
            k => return Err(unsupported(k)),
        };
        id.ok_or_else(|| {
            CallError::new(
                "create",
                "NoId",
                format!("{}: AWS returned no id", d.address),
                ErrorClass::Permanent,
            )
        })
    }

    /// Brings the arguments that can change in place to their desired values.
    async fn converge(&self, d: &Desired<'_>, id: &str) -> Result<(), CallError> {
        let c = &self.client;
        match d.kind {
            "aws_vpc" => {
                for (key, dns_support) in [
                    ("enable_dns_support", true),
                    ("enable_dns_hostnames", false),
                ] {
                    let v = AttributeBooleanValue::builder()
                        .value(d.bool(key).unwrap_or(dns_support))
                        .build();
                    let call = c.modify_vpc_attribute().vpc_id(id);
                    let call = if key == "enable_dns_support" {
                        call.enable_dns_support(v)
                    } else {
                        call.enable_dns_hostnames(v)
                    };
                    call.send().await.op("ModifyVpcAttribute")?;
                }
                for_states(
                    "DescribeVpcs",
                    d.address,
                    WAIT,
                    &VPC_STATES,
                    Absent::Pending,
                    || async {
                        let r = self
                            .reads
                            .describe_vpcs()
                            .vpc_ids(id)
                            .send()
                            .await
                            .op("DescribeVpcs")?;
                        Ok(r.vpcs()
                            .first()
                            .and_then(|v| v.state())
                            .map(|s| s.as_str().to_string()))
                    },
                )
                .await?;
            }
            "aws_subnet" => {
                c.modify_subnet_attribute()
                    .subnet_id(id)
                    .map_public_ip_on_launch(
                        AttributeBooleanValue::builder()
                            .value(d.bool("map_public_ip_on_launch").unwrap_or(false))
                            .build(),
                    )
                    .send()
                    .await
                    .op("ModifySubnetAttribute")?;
            }
            "aws_internet_gateway" => {
                let vpc = d.str("vpc_id")?;
                let igw = self
                    .reads
                    .describe_internet_gateways()
                    .internet_gateway_ids(id)
                    .send()
                    .await
                    .op("DescribeInternetGateways")?;
                let attached = igw
                    .internet_gateways()
                    .first()
                    .map(|g| g.attachments().iter().any(|a| a.vpc_id() == Some(vpc)))
                    .unwrap_or(false);
                if !attached {
                    c.attach_internet_gateway()
                        .internet_gateway_id(id)
                        .vpc_id(vpc)
                        .send()
                        .await
                        .op("AttachInternetGateway")?;
                }
            }
            "aws_nat_gateway" => {
                for_states(
                    "DescribeNatGateways",
                    d.address,
                    WAIT,
                    &NAT_STATES,
                    Absent::Pending,
                    || self.nat_state(id),
                )
                .await?;
            }
            "aws_security_group" => self.sync_rules(d, id).await?,
            "aws_vpc_endpoint" => {
                let r = self
                    .reads
                    .describe_vpc_endpoints()
                    .vpc_endpoint_ids(id)
                    .send()
                    .await
                    .op("DescribeVpcEndpoints")?;
                let current: Vec<String> = r
                    .vpc_endpoints()
                    .first()
                    .map(|e| e.route_table_ids().to_vec())
                    .unwrap_or_default();
                let desired = d.strings("route_table_ids");
                let (add, remove) = set_change(&desired, &current);
                if !add.is_empty() || !remove.is_empty() {
                    c.modify_vpc_endpoint()
                        .vpc_endpoint_id(id)
                        .set_add_route_table_ids(Some(add).filter(|v| !v.is_empty()))
                        .set_remove_route_table_ids(Some(remove).filter(|v| !v.is_empty()))
                        .send()
                        .await
                        .op("ModifyVpcEndpoint")?;
                }
            }
            "aws_route" => {
                let (rt, dest) = (d.str("route_table_id")?, d.str("destination_cidr_block")?);
                c.replace_route()
                    .route_table_id(rt)
                    .destination_cidr_block(dest)
                    .set_gateway_id(d.opt_str("gateway_id").map(str::to_string))
                    .set_nat_gateway_id(d.opt_str("nat_gateway_id").map(str::to_string))
                    .send()
                    .await
                    .op("ReplaceRoute")?;
            }
            _ => {}
        }
        if d.get("tags").is_some() {
            tags::sync(&self.reads, &self.client, id, &d.tags()).await?;
        }
        Ok(())
    }

    /// Security group rules as EC2 wants them, from the hashicorp/aws `ingress`/`egress` shape.
    fn permissions(d: &Desired<'_>, key: &str) -> Vec<IpPermission> {
        let rules = d.values.blocks(key).into_iter();
        rules
            .map(|r| {
                let s = |k: &str| r.string(k).unwrap_or("").to_string();
                let description = s("description");
                IpPermission::builder()
                    .ip_protocol(s("protocol"))
                    .from_port(r.int32("from_port").unwrap_or(0))
                    .to_port(r.int32("to_port").unwrap_or(0))
                    .set_ip_ranges(Some(
                        r.texts("cidr_blocks")
                            .into_iter()
                            .map(|c| {
                                IpRange::builder()
                                    .cidr_ip(c)
                                    .description(description.clone())
                                    .build()
                            })
                            .collect(),
                    ))
                    .set_user_id_group_pairs(Some(
                        r.texts("security_groups")
                            .into_iter()
                            .map(|g| {
                                UserIdGroupPair::builder()
                                    .group_id(g)
                                    .description(description.clone())
                                    .build()
                            })
                            .collect(),
                    ))
                    .build()
            })
            .collect()
    }

    async fn sync_rules(&self, d: &Desired<'_>, id: &str) -> Result<(), CallError> {
        let c = &self.client;
        let r = self
            .reads
            .describe_security_groups()
            .group_ids(id)
            .send()
            .await
            .op("DescribeSecurityGroups")?;
        let Some(sg) = r.security_groups().first() else {
            return Err(not_found("DescribeSecurityGroups", id));
        };
        for (key, current) in [
            ("ingress", sg.ip_permissions()),
            ("egress", sg.ip_permissions_egress()),
        ] {
            let desired = Self::permissions(d, key);
            if canonical(current) == canonical(&desired) {
                continue;
            }
            if !current.is_empty() {
                let clean: Vec<IpPermission> = current.to_vec();
                if key == "ingress" {
                    c.revoke_security_group_ingress()
                        .group_id(id)
                        .set_ip_permissions(Some(clean))
                        .send()
                        .await
                        .op("RevokeSecurityGroupIngress")?;
                } else {
                    c.revoke_security_group_egress()
                        .group_id(id)
                        .set_ip_permissions(Some(clean))
                        .send()
                        .await
                        .op("RevokeSecurityGroupEgress")?;
                }
            }
            if !desired.is_empty() {
                if key == "ingress" {
                    c.authorize_security_group_ingress()
                        .group_id(id)
                        .set_ip_permissions(Some(desired))
                        .send()
                        .await
                        .op("AuthorizeSecurityGroupIngress")?;
                } else {
                    c.authorize_security_group_egress()
                        .group_id(id)
                        .set_ip_permissions(Some(desired))
                        .send()
                        .await
                        .op("AuthorizeSecurityGroupEgress")?;
                }
            }
        }
        Ok(())
    }

    fn attrs_for(&self, d: &Desired<'_>, id: String) -> Attrs {
        match d.kind {
            "aws_security_group" => attrs([
                ("id", id),
                ("name", d.opt_str("name").unwrap_or("").to_string()),
            ]),
            "aws_route" => attrs([
                ("id", id),
                (
                    "route_table_id",
                    d.opt_str("route_table_id").unwrap_or("").to_string(),
                ),
                (
                    "destination_cidr_block",
                    d.opt_str("destination_cidr_block")
                        .unwrap_or("")
                        .to_string(),
                ),
            ]),
            "aws_route_table_association" => attrs([
                ("id", id),
                (
                    "route_table_id",
                    d.opt_str("route_table_id").unwrap_or("").to_string(),
                ),
            ]),
            _ => attrs([("id", id)]),
        }
    }

    /// One describe call for many children of one type: what AWS holds for each id it knows.
    /// An id AWS does not know makes EC2 fail the whole call (NotFound); `read_batch` then
    /// asks for each id alone.
    async fn describe_many(
        &self,
        kind: &str,
        batch: &[Attrs],
    ) -> Result<BTreeMap<String, Map<String, Json>>, CallError> {
        let ids: Vec<String> = batch
            .iter()
            .map(|a| id_of(a).map(str::to_string))
            .collect::<Result<_, _>>()?;
        let tags = |t: &[Tag]| tag_map(tags::read(t));
        let some = Some(ids);
        let mut out = BTreeMap::new();
        let reads = &self.reads;
        match kind {
            "aws_vpc" => observe_many!(
                out,
                reads.describe_vpcs().set_vpc_ids(some),
                "DescribeVpcs",
                vpcs,
                vpc_id,
                |v| observed([
                    ("tags", tags(v.tags())),
                    ("cidr_block", v.cidr_block().unwrap_or("").into()),
                ])
            ),
            "aws_subnet" => observe_many!(
                out,
                reads.describe_subnets().set_subnet_ids(some),
                "DescribeSubnets",
                subnets,
                subnet_id,
                |v| observed([
                    ("tags", tags(v.tags())),
                    ("cidr_block", v.cidr_block().unwrap_or("").into()),
                    (
                        "availability_zone",
                        v.availability_zone().unwrap_or("").into(),
                    ),
                    (
                        "map_public_ip_on_launch",
                        v.map_public_ip_on_launch().unwrap_or(false).into(),
                    ),
                ])
            ),
            "aws_internet_gateway" => observe_many!(
                out,
                reads
                    .describe_internet_gateways()
                    .set_internet_gateway_ids(some),
                "DescribeInternetGateways",
                internet_gateways,
                internet_gateway_id,
                |v| observed([("tags", tags(v.tags()))])
            ),
            "aws_eip" => observe_many!(
                out,
                reads.describe_addresses().set_allocation_ids(some),
                "DescribeAddresses",
                addresses,
                allocation_id,
                |v| observed([("tags", tags(v.tags()))])
            ),
            "aws_nat_gateway" => observe_many!(
                out,
                reads.describe_nat_gateways().set_nat_gateway_ids(some),
                "DescribeNatGateways",
                nat_gateways,
                nat_gateway_id,
                |v: &aws_sdk_ec2::types::NatGateway| !matches!(
                    v.state().map(|s| s.as_str()),
                    Some("deleted") | Some("deleting") | Some("failed")
                ),
                |v| observed([("tags", tags(v.tags()))])
            ),
            "aws_route_table" => observe_many!(
                out,
                reads.describe_route_tables().set_route_table_ids(some),
                "DescribeRouteTables",
                route_tables,
                route_table_id,
                |v| observed([("tags", tags(v.tags()))])
            ),
            "aws_security_group" => observe_many!(
                out,
                reads.describe_security_groups().set_group_ids(some),
                "DescribeSecurityGroups",
                security_groups,
                group_id,
                |v| observed([
                    ("tags", tags(v.tags())),
                    ("name", v.group_name().unwrap_or("").into()),
                    ("description", v.description().unwrap_or("").into()),
                ])
            ),
            "aws_vpc_endpoint" => observe_many!(
                out,
                reads.describe_vpc_endpoints().set_vpc_endpoint_ids(some),
                "DescribeVpcEndpoints",
                vpc_endpoints,
                vpc_endpoint_id,
                |v: &aws_sdk_ec2::types::VpcEndpoint| !matches!(
                    v.state().map(|s| s.as_str()),
                    Some("deleted") | Some("deleting")
                ),
                |v| observed([("tags", tags(v.tags()))])
            ),
            "aws_flow_log" => observe_many!(
                out,
                reads.describe_flow_logs().set_flow_log_ids(some),
                "DescribeFlowLogs",
                flow_logs,
                flow_log_id,
                |v| observed([("tags", tags(v.tags()))])
            ),
            // Routes and associations live in their route tables: one call for all the tables.
            "aws_route" | "aws_route_table_association" => {
                let mut tables: Vec<String> = batch
                    .iter()
                    .filter_map(|a| a.get("route_table_id").cloned())
                    .collect();
                tables.sort();
                tables.dedup();
                let r = self
                    .reads
                    .describe_route_tables()
                    .set_route_table_ids(Some(tables))
                    .send()
                    .await
                    .op("DescribeRouteTables")?;
                for t in r.route_tables() {
                    let table = t.route_table_id().unwrap_or("");
                    if kind == "aws_route" {
                        for route in t.routes() {
                            if let Some(dest) = route.destination_cidr_block() {
                                out.insert(route_id(table, dest), Map::new());
                            }
                        }
                    } else {
                        for assoc in t.associations() {
                            if let Some(id) = assoc.route_table_association_id() {
                                out.insert(id.to_string(), Map::new());
                            }
                        }
                    }
                }
            }
            k => return Err(unsupported(k)),
        }
        Ok(out)
    }

    async fn read_batch(
        &self,
        kind: &str,
        batch: &[Attrs],
    ) -> Result<Vec<Option<Map<String, Json>>>, CallError> {
        let found = match self.describe_many(kind, batch).await {
            Ok(found) => found,
            // Some child is gone: ask for each alone, so the others are still read.
            Err(e) if e.is_not_found() && batch.len() > 1 => {
                let mut found = BTreeMap::new();
                for a in batch {
                    if let Some(one) =
                        absent_ok(self.describe_many(kind, std::slice::from_ref(a)).await)?
                    {
                        found.extend(one);
                    }
                }
                found
            }
            Err(e) if e.is_not_found() => BTreeMap::new(),
            Err(e) => return Err(e),
        };
        batch
            .iter()
            .map(|a| Ok(found.get(id_of(a)?).cloned()))
            .collect()
    }

    async fn delete_kind(&self, kind: &str, a: &Attrs) -> Result<(), CallError> {
        let c = &self.client;
        let id = id_of(a)?;
        match kind {
            "aws_vpc" => {
                c.delete_vpc().vpc_id(id).send().await.op("DeleteVpc")?;
            }
            "aws_subnet" => {
                c.delete_subnet()
                    .subnet_id(id)
                    .send()
                    .await
                    .op("DeleteSubnet")?;
            }
            "aws_internet_gateway" => {
                let r = self
                    .reads
                    .describe_internet_gateways()
                    .internet_gateway_ids(id)
                    .send()
                    .await
                    .op("DescribeInternetGateways")?;
                for att in r
                    .internet_gateways()
                    .first()
                    .map(|g| g.attachments().to_vec())
                    .unwrap_or_default()
                {
                    if let Some(vpc) = att.vpc_id() {
                        absent_ok(
                            c.detach_internet_gateway()
                                .internet_gateway_id(id)
                                .vpc_id(vpc)
                                .send()
                                .await
                                .op("DetachInternetGateway"),
                        )?;
                    }
                }
                c.delete_internet_gateway()
                    .internet_gateway_id(id)
                    .send()
                    .await
                    .op("DeleteInternetGateway")?;
            }
            "aws_eip" => {
                c.release_address()
                    .allocation_id(id)
                    .send()
                    .await
                    .op("ReleaseAddress")?;
            }
            "aws_nat_gateway" => {
                let allocations: Vec<String> = absent_ok(
                    self.reads
                        .describe_nat_gateways()
                        .nat_gateway_ids(id)
                        .send()
                        .await
                        .op("DescribeNatGateways"),
                )?
                .map(|r| {
                    r.nat_gateways()
                        .iter()
                        .flat_map(|n| n.nat_gateway_addresses())
                        .filter_map(|a| a.allocation_id().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
                c.delete_nat_gateway()
                    .nat_gateway_id(id)
                    .send()
                    .await
                    .op("DeleteNatGateway")?;
                // Its network interface keeps the subnet and the EIP busy until it is deleted.
                let gone = States {
                    ready: &["deleted"],
                    terminal: &[],
                };
                for_states("DescribeNatGateways", id, WAIT, &gone, Absent::Done, || {
                    self.nat_state(id)
                })
                .await?;
                // AWS frees the gateway's addresses with it; the moto server keeps them
                // associated, and a new gateway on the same address would then be refused.
                for allocation in &allocations {
                    let associations: Vec<String> = absent_ok(
                        self.reads
                            .describe_addresses()
                            .allocation_ids(allocation)
                            .send()
                            .await
                            .op("DescribeAddresses"),
                    )?
                    .map(|r| {
                        r.addresses()
                            .iter()
                            .filter_map(|a| a.association_id().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                    for association in associations {
                        absent_ok(
                            c.disassociate_address()
                                .association_id(association)
                                .send()
                                .await
                                .op("DisassociateAddress"),
                        )?;
                    }
                }
            }
            "aws_route_table" => {
                c.delete_route_table()
                    .route_table_id(id)
                    .send()
                    .await
                    .op("DeleteRouteTable")?;
            }
            "aws_security_group" => {
                // Rules that name other groups would keep those groups from being deleted.
                if let Some(r) = absent_ok(
                    self.reads
                        .describe_security_groups()
                        .group_ids(id)
                        .send()
                        .await
                        .op("DescribeSecurityGroups"),
                )? {
                    if let Some(sg) = r.security_groups().first() {
                        if !sg.ip_permissions().is_empty() {
                            absent_ok(
                                c.revoke_security_group_ingress()
                                    .group_id(id)
                                    .set_ip_permissions(Some(sg.ip_permissions().to_vec()))
                                    .send()
                                    .await
                                    .op("RevokeSecurityGroupIngress"),
                            )?;
                        }
                        if !sg.ip_permissions_egress().is_empty() {
                            absent_ok(
                                c.revoke_security_group_egress()
                                    .group_id(id)
                                    .set_ip_permissions(Some(sg.ip_permissions_egress().to_vec()))
                                    .send()
                                    .await
                                    .op("RevokeSecurityGroupEgress"),
                            )?;
                        }
                    }
                }
                c.delete_security_group()
                    .group_id(id)
                    .send()
                    .await
                    .op("DeleteSecurityGroup")?;
            }
            "aws_vpc_endpoint" => {
                c.delete_vpc_endpoints()
                    .vpc_endpoint_ids(id)
                    .send()
                    .await
                    .op("DeleteVpcEndpoints")?;
            }
            "aws_flow_log" => {
                c.delete_flow_logs()
                    .flow_log_ids(id)
                    .send()
                    .await
                    .op("DeleteFlowLogs")?;
            }
            "aws_route" => {
                let rt = a.get("route_table_id").cloned().unwrap_or_default();
                let dest = a.get("destination_cidr_block").cloned().unwrap_or_default();
                c.delete_route()
                    .route_table_id(rt)
                    .destination_cidr_block(dest)
                    .send()
                    .await
                    .op("DeleteRoute")?;
            }
            "aws_route_table_association" => {
                c.disassociate_route_table()
                    .association_id(id)
                    .send()
                    .await
                    .op("DisassociateRouteTable")?;
            }
            k => return Err(unsupported(k)),
        }
        Ok(())
    }
}

fn route_id(rt: &str, dest: &str) -> String {
    format!("{rt}_{dest}")
}

/// A security group's rules as a comparable set: one entry per (rule, source).
fn canonical(perms: &[IpPermission]) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for p in perms {
        let head = format!(
            "{}|{}|{}",
            p.ip_protocol().unwrap_or(""),
            p.from_port().unwrap_or(-1),
            p.to_port().unwrap_or(-1)
        );
        for r in p.ip_ranges() {
            out.insert(format!("{head}|cidr:{}", r.cidr_ip().unwrap_or("")));
        }
        for g in p.user_id_group_pairs() {
            out.insert(format!("{head}|sg:{}", g.group_id().unwrap_or("")));
        }
    }
    out
}

impl Driver for Ec2 {
    fn find<'a>(&'a self, d: &'a Desired<'a>) -> Fut<'a, Option<Attrs>> {
        Box::pin(async move { Ok(self.find_id(d).await?.map(|id| self.attrs_for(d, id))) })
    }

    fn ensure<'a>(&'a self, d: &'a Desired<'a>, existing: Option<&'a Attrs>) -> Fut<'a, Attrs> {
        Box::pin(async move {
            let id = match existing.and_then(|a| a.get("id")) {
                Some(id) => id.clone(),
                None => match self.find_id(d).await? {
                    Some(id) => {
                        tracing::info!(child = d.address, id = %id, "adopting the tagged resource left by an earlier run");
                        id
                    }
                    None => self.create(d).await?,
                },
            };
            self.converge(d, &id).await?;
            Ok(self.attrs_for(d, id))
        })
    }

    fn read_one<'a>(
        &'a self,
        kind: &'a str,
        attrs: &'a Attrs,
    ) -> Fut<'a, Option<Map<String, Json>>> {
        Box::pin(async move {
            let mut one = self.read_batch(kind, std::slice::from_ref(attrs)).await?;
            Ok(one.pop().flatten())
        })
    }

    fn read<'a>(
        &'a self,
        kind: &'a str,
        batch: &'a [Attrs],
    ) -> Fut<'a, Vec<Option<Map<String, Json>>>> {
        Box::pin(self.read_batch(kind, batch))
    }

    fn delete<'a>(&'a self, kind: &'a str, attrs: &'a Attrs) -> Fut<'a, ()> {
        Box::pin(self.delete_kind(kind, attrs))
    }
}
