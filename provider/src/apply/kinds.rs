//! Pure data about the resource types the engine provisions: which ones, and which of their
//! arguments AWS lets us change in place. Planning and applying both decide with these tables,
//! so the plan says exactly what apply will do.

use std::collections::{BTreeMap, BTreeSet};

use super::driver::{assigned, Attrs};
use crate::topology::Topology;
use crate::value::Value;

/// A child recorded in the state: enough to delete it in dependency order.
#[derive(Clone, Debug, PartialEq)]
pub struct PriorChild {
    pub address: String,
    pub kind: String,
    pub depends_on: Vec<String>,
}

/// What the state held before this run.
#[derive(Clone, Debug, Default)]
pub struct Prior {
    /// What AWS assigned to each provisioned child.
    pub provisioned: BTreeMap<String, Attrs>,
    /// Each child's values as last applied or read.
    pub values: BTreeMap<String, Value>,
    /// The prior topology's children in creation order.
    pub children: Vec<PriorChild>,
}

/// The AWS service whose driver handles a resource type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Ec2,
    Iam,
    Kms,
    S3,
    Logs,
    SecretsManager,
    DynamoDb,
    Sns,
    CloudWatch,
    Rds,
    CloudTrail,
    ElastiCache,
    Ecs,
    AppAutoScaling,
    Elbv2,
    Lambda,
    ApiGateway,
    CloudFront,
    Wafv2,
    Route53,
    Backup,
}

/// The resource types this version creates, reads, updates and deletes, their service, and
/// the arguments that change in place (any other change replaces the child).
const IN_PLACE: &[(&str, Service, InPlace)] = &[
    (
        "aws_vpc",
        Service::Ec2,
        InPlace::Keys(&["tags", "enable_dns_support", "enable_dns_hostnames"]),
    ),
    (
        "aws_subnet",
        Service::Ec2,
        InPlace::Keys(&["tags", "map_public_ip_on_launch"]),
    ),
    (
        "aws_internet_gateway",
        Service::Ec2,
        InPlace::Keys(&["tags"]),
    ),
    ("aws_eip", Service::Ec2, InPlace::Keys(&["tags"])),
    ("aws_nat_gateway", Service::Ec2, InPlace::Keys(&["tags"])),
    ("aws_route_table", Service::Ec2, InPlace::Keys(&["tags"])),
    (
        "aws_route",
        Service::Ec2,
        InPlace::Keys(&["gateway_id", "nat_gateway_id"]),
    ),
    (
        "aws_route_table_association",
        Service::Ec2,
        InPlace::Keys(&[]),
    ),
    (
        "aws_security_group",
        Service::Ec2,
        InPlace::Keys(&["tags", "ingress", "egress", "revoke_rules_on_delete"]),
    ),
    (
        "aws_vpc_endpoint",
        Service::Ec2,
        InPlace::Keys(&["tags", "route_table_ids"]),
    ),
    ("aws_flow_log", Service::Ec2, InPlace::Keys(&["tags"])),
    (
        "aws_iam_role",
        Service::Iam,
        InPlace::Keys(&["tags", "description", "assume_role_policy"]),
    ),
    (
        "aws_iam_role_policy",
        Service::Iam,
        InPlace::Keys(&["policy"]),
    ),
    (
        "aws_iam_role_policy_attachment",
        Service::Iam,
        InPlace::Keys(&[]),
    ),
    (
        "aws_kms_key",
        Service::Kms,
        InPlace::Keys(&[
            "tags",
            "description",
            "enable_key_rotation",
            "rotation_period_in_days",
            "policy",
            "deletion_window_in_days",
        ]),
    ),
    (
        "aws_kms_alias",
        Service::Kms,
        InPlace::Keys(&["target_key_id"]),
    ),
    (
        "aws_s3_bucket",
        Service::S3,
        InPlace::Keys(&["tags", "force_destroy"]),
    ),
    (
        "aws_s3_bucket_server_side_encryption_configuration",
        Service::S3,
        InPlace::AllBut(&["bucket"]),
    ),
    (
        "aws_s3_bucket_versioning",
        Service::S3,
        InPlace::AllBut(&["bucket"]),
    ),
    (
        "aws_s3_bucket_public_access_block",
        Service::S3,
        InPlace::AllBut(&["bucket"]),
    ),
    (
        "aws_s3_bucket_policy",
        Service::S3,
        InPlace::AllBut(&["bucket"]),
    ),
    (
        "aws_s3_bucket_lifecycle_configuration",
        Service::S3,
        InPlace::AllBut(&["bucket"]),
    ),
    (
        "aws_s3_bucket_logging",
        Service::S3,
        InPlace::AllBut(&["bucket"]),
    ),
    (
        "aws_s3_bucket_ownership_controls",
        Service::S3,
        InPlace::AllBut(&["bucket"]),
    ),
    (
        "aws_cloudwatch_log_group",
        Service::Logs,
        InPlace::Keys(&["tags", "retention_in_days", "kms_key_id"]),
    ),
    (
        "aws_secretsmanager_secret",
        Service::SecretsManager,
        InPlace::Keys(&[
            "tags",
            "description",
            "kms_key_id",
            "recovery_window_in_days",
        ]),
    ),
    (
        "aws_dynamodb_table",
        Service::DynamoDb,
        InPlace::Keys(&[
            "tags",
            "deletion_protection_enabled",
            "point_in_time_recovery",
            "server_side_encryption",
        ]),
    ),
    (
        "aws_sns_topic",
        Service::Sns,
        InPlace::Keys(&["tags", "kms_master_key_id", "policy"]),
    ),
    (
        "aws_sns_topic_subscription",
        Service::Sns,
        InPlace::Keys(&[]),
    ),
    (
        "aws_cloudwatch_metric_alarm",
        Service::CloudWatch,
        InPlace::AllBut(&["alarm_name"]),
    ),
    (
        "aws_db_subnet_group",
        Service::Rds,
        InPlace::Keys(&["tags", "description", "subnet_ids"]),
    ),
    (
        "aws_db_instance",
        Service::Rds,
        InPlace::Keys(&[
            "tags",
            "instance_class",
            "multi_az",
            "deletion_protection",
            "backup_retention_period",
            "allocated_storage",
            "max_allocated_storage",
            // A version upgrade keeps the data (ModifyDBInstance with
            // AllowMajorVersionUpgrade); a replacement would lose it.
            "engine_version",
            "monitoring_interval",
            "monitoring_role_arn",
            // Read at destroy time only.
            "skip_final_snapshot",
            "final_snapshot_identifier",
        ]),
    ),
    (
        "aws_cloudtrail",
        Service::CloudTrail,
        InPlace::AllBut(&["name"]),
    ),
    (
        "aws_elasticache_subnet_group",
        Service::ElastiCache,
        InPlace::Keys(&["tags", "description", "subnet_ids"]),
    ),
    (
        "aws_elasticache_user",
        Service::ElastiCache,
        InPlace::Keys(&["tags", "access_string", "authentication_mode"]),
    ),
    (
        "aws_elasticache_user_group",
        Service::ElastiCache,
        InPlace::Keys(&["tags", "user_ids"]),
    ),
    (
        "aws_elasticache_replication_group",
        Service::ElastiCache,
        InPlace::Keys(&[
            "tags",
            "description",
            "node_type",
            "num_cache_clusters",
            "automatic_failover_enabled",
            "multi_az_enabled",
            "snapshot_retention_limit",
            "auto_minor_version_upgrade",
            "security_group_ids",
            "user_group_ids",
            "engine_version",
        ]),
    ),
    (
        "aws_ecs_cluster",
        Service::Ecs,
        InPlace::Keys(&["tags", "setting"]),
    ),
    // Every change registers a new revision; only a new family replaces.
    (
        "aws_ecs_task_definition",
        Service::Ecs,
        InPlace::AllBut(&["family"]),
    ),
    (
        "aws_ecs_service",
        Service::Ecs,
        InPlace::Keys(&[
            "tags",
            "task_definition",
            "desired_count",
            "network_configuration",
            "load_balancer",
            "deployment_circuit_breaker",
            "propagate_tags",
            "enable_execute_command",
            "health_check_grace_period_seconds",
            "deployment_maximum_percent",
            "deployment_minimum_healthy_percent",
            "platform_version",
        ]),
    ),
    // Tags replace: moto has no tagging API for scalable targets.
    (
        "aws_appautoscaling_target",
        Service::AppAutoScaling,
        InPlace::Keys(&["min_capacity", "max_capacity"]),
    ),
    (
        "aws_appautoscaling_policy",
        Service::AppAutoScaling,
        InPlace::AllBut(&[
            "name",
            "service_namespace",
            "resource_id",
            "scalable_dimension",
        ]),
    ),
    (
        "aws_lb",
        Service::Elbv2,
        InPlace::AllBut(&["name", "internal", "load_balancer_type"]),
    ),
    (
        "aws_lb_target_group",
        Service::Elbv2,
        InPlace::Keys(&[
            "tags",
            "health_check",
            "deregistration_delay",
            "slow_start",
            "load_balancing_algorithm_type",
            "load_balancing_cross_zone_enabled",
        ]),
    ),
    (
        "aws_lb_listener",
        Service::Elbv2,
        InPlace::AllBut(&["load_balancer_arn"]),
    ),
    (
        "aws_lambda_function",
        Service::Lambda,
        InPlace::AllBut(&["function_name", "package_type"]),
    ),
    ("aws_lambda_permission", Service::Lambda, InPlace::Keys(&[])),
    (
        "aws_api_gateway_rest_api",
        Service::ApiGateway,
        InPlace::Keys(&[
            "tags",
            "name",
            "description",
            "body",
            "endpoint_configuration",
        ]),
    ),
    (
        "aws_api_gateway_account",
        Service::ApiGateway,
        InPlace::Keys(&["cloudwatch_role_arn"]),
    ),
    (
        "aws_api_gateway_deployment",
        Service::ApiGateway,
        // A change makes a new deployment (a new id) for the stage to point at: the old one
        // stays until the API goes, as a stage may still serve it until then.
        InPlace::Keys(&["description", "triggers"]),
    ),
    (
        "aws_api_gateway_stage",
        Service::ApiGateway,
        InPlace::Keys(&[
            "tags",
            "deployment_id",
            "xray_tracing_enabled",
            "cache_cluster_enabled",
            "description",
            "access_log_settings",
        ]),
    ),
    (
        "aws_api_gateway_method_settings",
        Service::ApiGateway,
        InPlace::AllBut(&["rest_api_id", "stage_name", "method_path"]),
    ),
    (
        "aws_cloudfront_origin_access_control",
        Service::CloudFront,
        InPlace::AllBut(&[]),
    ),
    (
        "aws_cloudfront_distribution",
        Service::CloudFront,
        InPlace::AllBut(&[]),
    ),
    (
        "aws_wafv2_web_acl",
        Service::Wafv2,
        InPlace::Keys(&[
            "tags",
            "description",
            "default_action",
            "rule",
            "visibility_config",
        ]),
    ),
    (
        "aws_wafv2_web_acl_association",
        Service::Wafv2,
        InPlace::Keys(&[]),
    ),
    (
        "aws_wafv2_web_acl_logging_configuration",
        Service::Wafv2,
        InPlace::Keys(&["log_destination_configs"]),
    ),
    (
        "aws_route53_record",
        Service::Route53,
        InPlace::AllBut(&["zone_id", "name", "type"]),
    ),
    (
        "aws_backup_vault",
        Service::Backup,
        InPlace::Keys(&["tags", "force_destroy"]),
    ),
    (
        "aws_backup_plan",
        Service::Backup,
        InPlace::Keys(&["tags", "rule"]),
    ),
    ("aws_backup_selection", Service::Backup, InPlace::Keys(&[])),
];

#[derive(Clone, Copy, Debug)]
enum InPlace {
    Keys(&'static [&'static str]),
    AllBut(&'static [&'static str]),
}

impl InPlace {
    fn allows(&self, key: &str) -> bool {
        match self {
            InPlace::Keys(k) => k.contains(&key),
            InPlace::AllBut(k) => !k.contains(&key),
        }
    }
}

fn in_place(kind: &str) -> Option<InPlace> {
    IN_PLACE.iter().find(|(k, ..)| *k == kind).map(|(.., p)| *p)
}

/// The service of a resource type this version provisions.
pub fn service(kind: &str) -> Option<Service> {
    IN_PLACE
        .iter()
        .find(|(k, ..)| *k == kind)
        .map(|(_, s, _)| *s)
}

/// True when this version provisions children of `kind`.
pub fn provisioned(kind: &str) -> bool {
    in_place(kind).is_some()
}

/// What apply does with one child.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Exists with the desired values.
    Keep,
    /// Not provisioned yet: adopt it if it exists in AWS, else create it.
    Create,
    /// Change these arguments in place.
    Update(Vec<String>),
    /// These arguments cannot change in place: delete and create again.
    Replace(Vec<String>),
}

/// Drops the concrete-type wrappers that values read from Terraform carry.
pub fn plain(v: &Value) -> Value {
    match v {
        Value::Typed(_, inner) => plain(inner),
        Value::List(l) => Value::List(l.iter().map(plain).collect()),
        Value::Map(m) => Value::Map(m.iter().map(|(k, x)| (k.clone(), plain(x))).collect()),
        other => other.clone(),
    }
}

/// Compares the desired values of a child (unknown where a dependency will change) with what
/// the state holds for it.
pub fn decide(kind: &str, desired: &Value, prior: Option<&Value>) -> Action {
    let Some(prior) = prior else {
        return Action::Create;
    };
    let (desired, prior) = (plain(desired), plain(prior));
    let empty = BTreeMap::new();
    let d = desired.as_map().unwrap_or(&empty);
    let p = prior.as_map().unwrap_or(&empty);
    let keys: BTreeSet<&String> = d.keys().chain(p.keys()).collect();
    let changed: Vec<String> = keys
        .into_iter()
        // A state written before children carried their `region` put them in the
        // environment's region, where the expansion still puts them: not a change.
        .filter(|k| !(k.as_str() == "region" && !p.contains_key(*k)))
        .filter(|k| {
            let dv = d.get(*k).unwrap_or(&Value::Null);
            !dv.is_wholly_known() || dv != p.get(*k).unwrap_or(&Value::Null)
        })
        .cloned()
        .collect();
    if changed.is_empty() {
        return Action::Keep;
    }
    let rule = in_place(kind).unwrap_or(InPlace::Keys(&[]));
    let fixed: Vec<String> = changed
        .iter()
        .filter(|k| !rule.allows(k))
        .cloned()
        .collect();
    if fixed.is_empty() {
        Action::Update(changed)
    } else {
        Action::Replace(fixed)
    }
}

/// Children apply leaves alone, with the reason: their type is not provisioned by this version
/// or is in `skip` (the provider's `skip_resource_types`), or they depend on such a child.
/// Everything else can be applied.
pub fn blocked(topology: &Topology, skip: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    // Children come in a topological order, so a dependency is decided before its dependents.
    for c in &topology.children {
        if !provisioned(c.kind) {
            out.insert(
                c.address.clone(),
                format!("{} is not provisioned by this version", c.kind),
            );
        } else if skip.contains(c.kind) {
            out.insert(
                c.address.clone(),
                format!("{} is in the provider's skip_resource_types", c.kind),
            );
        } else if let Some(d) = c.depends_on.iter().find(|d| out.contains_key(*d)) {
            out.insert(c.address.clone(), format!("waits for {d}"));
        }
    }
    out
}

/// Types replaced by creating the new resource first and deleting the old one once nothing uses
/// it: a target group cannot be deleted while a listener or a service still points at it
/// (`ResourceInUse`, after minutes of retries). Their names carry a hash of what forces the
/// replacement, so old and new can exist together.
pub const CREATE_BEFORE_DESTROY: &[&str] = &["aws_lb_target_group"];

/// Types whose in-place update gives the child new ids: a task definition change registers a new
/// revision (a new ARN), so what refers to it changes too, and the plan must say so.
const NEW_IDS_ON_UPDATE: &[&str] = &["aws_ecs_task_definition", "aws_api_gateway_deployment"];

/// What apply will do with each child it can provision, given the prior state.
pub struct Changes {
    /// The engine's decision per child (children it cannot provision are absent).
    pub actions: BTreeMap<String, Action>,
    /// Every child's values with references to the children that stay resolved to their prior
    /// ids; unknown where the referenced child is created or replaced.
    pub desired: BTreeMap<String, Value>,
    /// What AWS assigned to the children that stay (kept or updated in place).
    pub staying: BTreeMap<String, Attrs>,
}

/// What apply will do, decided before it starts: the plan shows it, and the engine deletes the
/// children to replace before it creates anything. Children come in a
/// topological order, so each one's references are decided before it.
pub fn changes(t: &Topology, prior: &Prior, skip: &BTreeSet<String>) -> Changes {
    let blocked = blocked(t, skip);
    let mut c = Changes {
        actions: BTreeMap::new(),
        desired: BTreeMap::new(),
        staying: BTreeMap::new(),
    };
    for child in &t.children {
        let desired = child.resolve(&|a, k| assigned(&c.staying, a, k));
        if !blocked.contains_key(&child.address) {
            let before = prior
                .provisioned
                .contains_key(&child.address)
                .then(|| prior.values.get(&child.address))
                .flatten();
            let action = decide(child.kind, &desired, before);
            let same_ids = match &action {
                Action::Keep => true,
                Action::Update(_) => !NEW_IDS_ON_UPDATE.contains(&child.kind),
                _ => false,
            };
            if same_ids {
                if let Some(a) = prior.provisioned.get(&child.address) {
                    c.staying.insert(child.address.clone(), a.clone());
                }
            }
            c.actions.insert(child.address.clone(), action);
        }
        c.desired.insert(child.address.clone(), desired);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn unchanged_values_keep_the_child() {
        let v = m(&[("retention_in_days", Value::int(30)), ("name", "g".into())]);
        assert_eq!(
            decide("aws_cloudwatch_log_group", &v, Some(&v)),
            Action::Keep
        );
        assert_eq!(decide("aws_cloudwatch_log_group", &v, None), Action::Create);
    }

    #[test]
    fn retention_changes_in_place_but_a_name_replaces() {
        let old = m(&[("retention_in_days", Value::int(30)), ("name", "g".into())]);
        let longer = m(&[("retention_in_days", Value::int(90)), ("name", "g".into())]);
        assert_eq!(
            decide("aws_cloudwatch_log_group", &longer, Some(&old)),
            Action::Update(vec!["retention_in_days".into()])
        );
        let renamed = m(&[("retention_in_days", Value::int(30)), ("name", "h".into())]);
        assert_eq!(
            decide("aws_cloudwatch_log_group", &renamed, Some(&old)),
            Action::Replace(vec!["name".into()])
        );
    }

    #[test]
    fn an_unknown_reference_counts_as_a_change() {
        let old = m(&[("vpc_id", "vpc-1".into())]);
        let new = m(&[("vpc_id", Value::Unknown)]);
        assert_eq!(
            decide("aws_subnet", &new, Some(&old)),
            Action::Replace(vec!["vpc_id".into()])
        );
    }
}
