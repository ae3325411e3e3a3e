//! The expansion of an environment into AWS resources: pure data in, data out.
//!
//! `expand` turns an [`EnvironmentSpec`] and a [`Placement`] (account, region) into a
//! [`Topology`]: every child resource with a Terraform-style address, its hashicorp/aws type,
//! its values in that provider's attribute shape, and the children it depends on. Values that
//! only AWS can tell (ids, ARNs with random parts) are references to other children, unknown in
//! the plan and resolved by the apply engine. No I/O happens here; the same input gives the same
//! topology, byte for byte.

mod compute;
pub use compute::PLACEHOLDER_PACKAGE;
pub mod diagram;
mod edge;
mod iam;
mod network;
mod operations;
mod security;
mod storage;

use std::collections::{BTreeMap, BTreeSet};

use crate::environment::spec::EnvironmentSpec;
use crate::value::Value;

/// Where the environment lives. Part of the input so that ARNs are known at plan time.
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    pub partition: String,
    pub region: String,
    pub account_id: String,
    /// The region's availability zones as the account sees them (`DescribeAvailabilityZones`,
    /// available standard zones, in zone-id order). Never invented: zone names are mapped per
    /// account and some letters do not exist (ap-northeast-1 has no `b` for new accounts,
    /// us-west-1 offers two zones).
    pub zones: Vec<String>,
}

/// CloudFront, its CLOUDFRONT-scope web ACL, and the logs of that ACL live in us-east-1
/// whatever the environment's region ("you must create your log group in US East (N. Virginia)",
/// AWS WAF Developer Guide, "CloudWatch Logs" logging destination).
pub const GLOBAL_REGION: &str = "us-east-1";

/// The partition of a region: `aws-cn` for China, `aws-us-gov` for GovCloud, else `aws`.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The DNS suffix of a region's service endpoints: `amazonaws.com.cn` in China ("Amazon Web
/// Services in China" endpoints, e.g. `s3.cn-north-1.amazonaws.com.cn`), else `amazonaws.com`.
pub fn dns_suffix(region: &str) -> &'static str {
    if partition_of(region) == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

/// Where a partition's global services (IAM, CloudFront, Route 53) keep their resources: the
/// region of their endpoints (`iam.amazonaws.com` is us-east-1; GovCloud's IAM is us-gov-west-1,
/// China's cn-north-1: "AWS Identity and Access Management endpoints and quotas").
pub fn global_region(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "cn-north-1",
        "aws-us-gov" => "us-gov-west-1",
        _ => GLOBAL_REGION,
    }
}

impl Placement {
    pub fn new(region: &str, account_id: &str, zones: Vec<String>) -> Placement {
        let partition = partition_of(region);
        Placement {
            partition: partition.into(),
            region: region.into(),
            account_id: account_id.into(),
            zones,
        }
    }
    /// The `i`th zone; `expand` checks first that there are enough.
    /// Where this partition's global services keep their resources (see `global_region`).
    pub fn global_region(&self) -> &'static str {
        global_region(&self.partition)
    }

    pub fn az(&self, i: usize) -> String {
        self.zones[i].clone()
    }
    pub fn arn(&self, service: &str, region: &str, resource: &str) -> String {
        let account = if service == "s3" {
            ""
        } else {
            self.account_id.as_str()
        };
        format!(
            "arn:{}:{service}:{region}:{account}:{resource}",
            self.partition
        )
    }
}

/// A value inside a child: literal data, or a reference to another child's attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<V>),
    Obj(BTreeMap<String, V>),
    /// `address.attr` of another child, known after it is created.
    Ref {
        address: String,
        attr: String,
    },
    /// A string made of parts, some of which may be references.
    Concat(Vec<V>),
    /// A JSON document encoded as a string (policies, container definitions).
    Json(Box<V>),
}

impl V {
    pub fn refs(&self, out: &mut Vec<(String, String)>) {
        match self {
            V::Ref { address, attr } => out.push((address.clone(), attr.clone())),
            V::List(l) | V::Concat(l) => l.iter().for_each(|x| x.refs(out)),
            V::Obj(m) => m.values().for_each(|x| x.refs(out)),
            V::Json(x) => x.refs(out),
            _ => {}
        }
    }

    /// The value as the plan shows it: references unknown.
    pub fn to_plan_value(&self) -> Value {
        self.resolve(&|_, _| None)
    }

    /// The value with each reference looked up (`address`, `attr`); a reference the lookup
    /// cannot answer stays unknown, and so does any string or document built from it.
    pub fn resolve(&self, lookup: &dyn Fn(&str, &str) -> Option<String>) -> Value {
        match self {
            V::Null => Value::Null,
            V::Bool(b) => Value::Bool(*b),
            V::Int(i) => Value::int(*i),
            V::Str(s) => Value::String(s.clone()),
            V::List(l) => Value::List(l.iter().map(|x| x.resolve(lookup)).collect()),
            V::Obj(m) => Value::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.resolve(lookup)))
                    .collect(),
            ),
            V::Ref { address, attr } => lookup(address, attr)
                .map(Value::String)
                .unwrap_or(Value::Unknown),
            V::Concat(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p.resolve(lookup) {
                        Value::String(s) => out.push_str(&s),
                        Value::Unknown => return Value::Unknown,
                        other => out.push_str(&other.to_json().to_string()),
                    }
                }
                Value::String(out)
            }
            V::Json(doc) => {
                let v = doc.resolve(lookup);
                if v.is_wholly_known() {
                    Value::String(v.to_json().to_string())
                } else {
                    Value::Unknown
                }
            }
        }
    }

    /// Plain JSON of a value without references (references render as null).
    pub fn to_json(&self) -> serde_json::Value {
        self.to_plan_value().to_json()
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        match self {
            V::Obj(m) => m.get(key),
            _ => None,
        }
    }
}

impl From<&str> for V {
    fn from(s: &str) -> V {
        V::Str(s.to_string())
    }
}
impl From<String> for V {
    fn from(s: String) -> V {
        V::Str(s)
    }
}
impl From<&String> for V {
    fn from(s: &String) -> V {
        V::Str(s.clone())
    }
}
impl From<bool> for V {
    fn from(b: bool) -> V {
        V::Bool(b)
    }
}
impl From<i64> for V {
    fn from(i: i64) -> V {
        V::Int(i)
    }
}
impl From<Vec<V>> for V {
    fn from(l: Vec<V>) -> V {
        V::List(l)
    }
}

/// An object from `(key, value)` pairs.
pub fn obj<const N: usize>(pairs: [(&str, V); N]) -> V {
    V::Obj(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// A nested block as hashicorp/aws shapes it: a list of one object.
pub fn block<const N: usize>(pairs: [(&str, V); N]) -> V {
    V::List(vec![obj(pairs)])
}

pub fn reference(address: &str, attr: &str) -> V {
    V::Ref {
        address: address.into(),
        attr: attr.into(),
    }
}

/// The ids of several children, as a list of references.
pub fn ids(addresses: &[String]) -> V {
    V::List(addresses.iter().map(|a| reference(a, "id")).collect())
}

pub fn strings<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> V {
    V::List(items.into_iter().map(|s| V::Str(s.into())).collect())
}

pub fn json(doc: V) -> V {
    V::Json(Box::new(doc))
}

/// One AWS resource of the environment.
#[derive(Clone, Debug, PartialEq)]
pub struct Child {
    /// `aws_subnet.private[1]`
    pub address: String,
    /// hashicorp/aws resource type, e.g. `aws_subnet`
    pub kind: &'static str,
    pub values: BTreeMap<String, V>,
    /// Children that must exist first: every referenced child plus explicit ordering.
    pub depends_on: BTreeSet<String>,
}

impl Child {
    /// `references`: dotted attribute path (block indexes dropped) to the children it names.
    pub fn references(&self) -> BTreeMap<String, BTreeSet<String>> {
        fn walk(v: &V, path: &str, out: &mut BTreeMap<String, BTreeSet<String>>) {
            match v {
                V::Ref { address, .. } => {
                    out.entry(path.to_string())
                        .or_default()
                        .insert(address.clone());
                }
                V::List(l) | V::Concat(l) => l.iter().for_each(|x| walk(x, path, out)),
                V::Json(x) => walk(x, path, out),
                V::Obj(m) => {
                    for (k, x) in m {
                        let p = if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        };
                        walk(x, &p, out);
                    }
                }
                _ => {}
            }
        }
        let mut out = BTreeMap::new();
        for (k, v) in &self.values {
            walk(v, k, &mut out);
        }
        out
    }

    pub fn value(&self, key: &str) -> Option<&V> {
        self.values.get(key)
    }

    /// The child's values with references looked up (see [`V::resolve`]).
    pub fn resolve(&self, lookup: &dyn Fn(&str, &str) -> Option<String>) -> Value {
        Value::Map(
            self.values
                .iter()
                .map(|(k, v)| (k.clone(), v.resolve(lookup)))
                .collect(),
        )
    }
}

/// The expanded environment: children in a deterministic order (creation order of the
/// expansion, which is a valid topological order).
#[derive(Clone, Debug, PartialEq)]
pub struct Topology {
    pub children: Vec<Child>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TopologyError {
    #[error("{address}: depends on {missing}, which is not in the topology")]
    DanglingReference { address: String, missing: String },
    #[error("{address}: appears twice in the topology")]
    Duplicate { address: String },
    #[error("the VPC block {cidr} is too small for {needed} subnets")]
    NoRoom { cidr: String, needed: usize },
    #[error("{region} offers {} availability zone(s) to this account ({}); az_count = {wanted} needs {wanted}", zones.len(), zones.join(", "))]
    NotEnoughZones {
        region: String,
        wanted: usize,
        zones: Vec<String>,
    },
}

impl TopologyError {
    /// The environment argument that caused the error, for the diagnostic's attribute path.
    pub fn attribute(&self) -> &'static str {
        match self {
            TopologyError::NotEnoughZones { .. } => "network.az_count",
            _ => "network.cidr_block",
        }
    }
}

/// Collects children while the expansion runs, tagging them and recording dependencies.
pub struct Builder<'a> {
    pub spec: &'a EnvironmentSpec,
    pub at: &'a Placement,
    pub default_tags: &'a BTreeMap<String, String>,
    children: Vec<Child>,
}

/// The region a child of `kind` lives in when the expansion does not say: global services keep
/// their resources in us-east-1 (IAM, CloudFront and Route 53 are served from there), everything
/// else in the environment's region.
pub fn region_of<'r>(kind: &str, environment_region: &'r str) -> &'r str {
    let global = kind.starts_with("aws_iam_")
        || kind.starts_with("aws_cloudfront_")
        || kind.starts_with("aws_route53_");
    if global {
        global_region(partition_of(environment_region))
    } else {
        environment_region
    }
}

/// Resource types that take `tags` in hashicorp/aws.
fn taggable(kind: &str) -> bool {
    !matches!(
        kind,
        "aws_route"
            | "aws_route_table_association"
            | "aws_s3_bucket_server_side_encryption_configuration"
            | "aws_s3_bucket_versioning"
            | "aws_s3_bucket_public_access_block"
            | "aws_s3_bucket_policy"
            | "aws_s3_bucket_lifecycle_configuration"
            | "aws_s3_bucket_logging"
            | "aws_s3_bucket_ownership_controls"
            | "aws_iam_role_policy"
            | "aws_iam_role_policy_attachment"
            | "aws_kms_alias"
            | "aws_appautoscaling_policy"
            | "aws_wafv2_web_acl_association"
            | "aws_wafv2_web_acl_logging_configuration"
            | "aws_api_gateway_deployment"
            | "aws_route53_record"
            | "aws_sns_topic_subscription"
            | "aws_backup_selection"
            | "aws_cloudfront_origin_access_control"
            | "aws_lambda_permission"
            | "aws_api_gateway_method_settings"
            | "aws_api_gateway_account"
    )
}

impl<'a> Builder<'a> {
    pub fn prefix(&self) -> String {
        self.spec.prefix()
    }

    /// Adds a child; returns its address for references.
    pub fn add(&mut self, kind: &'static str, name: &str, values: V) -> String {
        self.add_after(kind, name, values, &[])
    }

    pub fn add_after(
        &mut self,
        kind: &'static str,
        name: &str,
        values: V,
        after: &[&str],
    ) -> String {
        let address = format!("{kind}.{name}");
        let mut values = match values {
            V::Obj(m) => m,
            other => panic!("{address}: values must be an object, got {other:?}"),
        };
        if taggable(kind) {
            let mut tags: BTreeMap<String, V> = BTreeMap::new();
            for (k, v) in self.default_tags.iter().chain(self.spec.tags.iter()) {
                tags.insert(k.clone(), V::Str(v.clone()));
            }
            tags.insert("edulibra:environment".into(), V::Str(self.spec.prefix()));
            tags.insert("edulibra:stage".into(), self.spec.stage.as_str().into());
            // Part of the ownership key: the same environment may live in several regions of
            // one account, and global resources (IAM, CloudFront) must not be adopted across.
            tags.insert("edulibra:region".into(), V::Str(self.at.region.clone()));
            tags.insert("edulibra:component".into(), V::Str(address.clone()));
            if let Some(V::Obj(extra)) = values.remove("tags") {
                tags.extend(extra);
            }
            values.insert("tags".into(), V::Obj(tags));
        }
        // Where the child lives, as hashicorp/aws 6 writes it: the environment's region unless
        // the expansion placed it elsewhere (us-east-1 for what CloudFront needs).
        values
            .entry("region".into())
            .or_insert_with(|| V::Str(region_of(kind, &self.at.region).to_string()));
        let mut refs = Vec::new();
        for v in values.values() {
            v.refs(&mut refs);
        }
        let mut depends_on: BTreeSet<String> = refs.into_iter().map(|(a, _)| a).collect();
        depends_on.extend(after.iter().map(|s| s.to_string()));
        self.children.push(Child {
            address: address.clone(),
            kind,
            values,
            depends_on,
        });
        address
    }

    pub fn name(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.prefix())
    }

    /// The name of a resource whose name is unique per account rather than per region (IAM
    /// roles, CloudFront origin access controls, CLOUDFRONT-scope web ACLs and what lives with
    /// them in us-east-1, multi-region trails): it carries the environment's region, so one
    /// environment name can be applied in two regions of an account.
    pub fn global_name(&self, suffix: &str) -> String {
        format!("{}-{}-{suffix}", self.prefix(), self.at.region)
    }
}

/// Expands an environment. Errors only for inputs the spec reader let through but the
/// expansion cannot honour (a CIDR block too small), and for internal inconsistencies.
pub fn expand(
    spec: &EnvironmentSpec,
    at: &Placement,
    default_tags: &BTreeMap<String, String>,
) -> Result<Topology, TopologyError> {
    if spec.network.az_count > at.zones.len() {
        return Err(TopologyError::NotEnoughZones {
            region: at.region.clone(),
            wanted: spec.network.az_count,
            zones: at.zones.clone(),
        });
    }
    let mut b = Builder {
        spec,
        at,
        default_tags,
        children: Vec::with_capacity(128),
    };
    let net = network::build(&mut b)?;
    let sec = security::build(&mut b, &net);
    let store = storage::build(&mut b, &net, &sec);
    let app = compute::build(&mut b, &net, &sec, &store);
    edge::build(&mut b, &sec, &store, &app);
    operations::build(&mut b, &sec, &store, &app);
    let topo = Topology {
        children: b.children,
    };
    topo.check()?;
    Ok(topo)
}

impl Topology {
    fn check(&self) -> Result<(), TopologyError> {
        let mut seen = BTreeSet::new();
        for c in &self.children {
            if !seen.insert(c.address.as_str()) {
                return Err(TopologyError::Duplicate {
                    address: c.address.clone(),
                });
            }
        }
        for c in &self.children {
            if let Some(missing) = c.depends_on.iter().find(|d| !seen.contains(d.as_str())) {
                return Err(TopologyError::DanglingReference {
                    address: c.address.clone(),
                    missing: missing.clone(),
                });
            }
        }
        Ok(())
    }

    pub fn get(&self, address: &str) -> Option<&Child> {
        self.children.iter().find(|c| c.address == address)
    }

    pub fn of_kind<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'s Child> + 's {
        self.children.iter().filter(move |c| c.kind == kind)
    }

    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut m = BTreeMap::new();
        for c in &self.children {
            *m.entry(c.kind).or_insert(0) += 1;
        }
        m
    }

    /// The `topology` attribute as planned: one object per child, values with references unknown.
    pub fn to_plan_value(&self) -> Value {
        Value::List(
            self.children
                .iter()
                .map(|c| {
                    let refs = c.references();
                    Value::object([
                        ("address", Value::from(c.address.as_str())),
                        ("type", Value::from(c.kind)),
                        (
                            "values",
                            Value::Map(
                                c.values
                                    .iter()
                                    .map(|(k, v)| (k.clone(), v.to_plan_value()))
                                    .collect(),
                            ),
                        ),
                        (
                            "depends_on",
                            Value::List(
                                c.depends_on
                                    .iter()
                                    .map(|d| Value::from(d.as_str()))
                                    .collect(),
                            ),
                        ),
                        (
                            "references",
                            Value::Map(
                                refs.into_iter()
                                    .map(|(k, v)| {
                                        (k, Value::List(v.into_iter().map(Value::from).collect()))
                                    })
                                    .collect(),
                            ),
                        ),
                    ])
                })
                .collect(),
        )
    }
}

/// What one stage of the expansion hands the next: addresses of the children others refer to.
pub struct NetworkOut {
    pub vpc: String,
    pub public_subnets: Vec<String>,
    pub private_subnets: Vec<String>,
    pub data_subnets: Vec<String>,
    pub sg_alb: Option<String>,
    pub sg_app: String,
    pub sg_db: String,
    pub sg_cache: String,
}

pub struct SecurityOut {
    pub kms_key: String,
    /// The key for what lives in us-east-1 for CloudFront: the main key when the environment
    /// is in us-east-1.
    pub edge_kms_key: String,
    pub secret: String,
    pub app_role: String,
    pub task_execution_role: Option<String>,
    pub backup_role: String,
    pub rds_monitoring_role: String,
    /// The monitoring role's policy: RDS refuses a role it cannot yet use with it.
    pub rds_monitoring_policy: String,
}

pub struct StorageOut {
    pub site_bucket: String,
    pub site_bucket_name: String,
    pub media_bucket_name: String,
    pub logs_bucket: String,
    pub logs_bucket_name: String,
    pub db: String,
    pub tables: Vec<(String, String)>,
    pub cache: String,
}

pub struct ComputeOut {
    /// The ALB or the API Gateway stage: what the CDN's API origin and the regional WAF front.
    pub api_origin: String,
    pub alb: Option<String>,
    pub stage: Option<String>,
    pub rest_api: Option<String>,
    pub ecs_service: Option<(String, String)>,
    pub lambda: Option<String>,
}

impl Builder<'_> {
    /// The child added last, to add an ordering edge a reference cannot express.
    pub fn last_child(&mut self) -> Option<&mut Child> {
        self.children.last_mut()
    }
}

impl V {
    /// The value as a preview shows it (the `edulibra_topology` data source, which must be
    /// wholly known): a reference becomes `${address.attr}`, as Terraform would write it.
    pub fn to_preview_value(&self) -> Value {
        match self {
            V::Ref { address, attr } => Value::String(format!("${{{address}.{attr}}}")),
            V::List(l) => Value::List(l.iter().map(V::to_preview_value).collect()),
            V::Obj(m) => Value::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.to_preview_value()))
                    .collect(),
            ),
            V::Concat(parts) => Value::String(
                parts
                    .iter()
                    .filter_map(|p| p.to_preview_value().as_str().map(str::to_string))
                    .collect(),
            ),
            V::Json(doc) => Value::String(doc.to_preview_value().to_json().to_string()),
            other => other.to_plan_value(),
        }
    }
}

impl Topology {
    /// The `topology` attribute of the data source: like the plan's, with references written
    /// out instead of unknown.
    pub fn to_preview_value(&self) -> Value {
        let mut v = self.to_plan_value();
        if let Value::List(items) = &mut v {
            for (item, child) in items.iter_mut().zip(&self.children) {
                if let Value::Map(m) = item {
                    m.insert(
                        "values".into(),
                        Value::Map(
                            child
                                .values
                                .iter()
                                .map(|(k, x)| (k.clone(), x.to_preview_value()))
                                .collect(),
                        ),
                    );
                }
            }
        }
        v
    }
}
