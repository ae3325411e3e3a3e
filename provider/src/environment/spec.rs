//! What a user asks for in an `edulibra_environment` block: the schema, the defaults each stage
//! picks, and the validation that reports problems at the attribute that causes them.

use std::collections::BTreeMap;
use std::str::FromStr;

use ipnet::Ipv4Net;

use crate::diag::Diagnostic;
use crate::schema::{Attribute, Block, Nesting, Schema};
use crate::value::{Type, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Dev,
    Staging,
    Prod,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Dev => "dev",
            Stage::Staging => "staging",
            Stage::Prod => "prod",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compute {
    Serverless,
    Containers,
}

impl Compute {
    pub fn as_str(self) -> &'static str {
        match self {
            Compute::Serverless => "serverless",
            Compute::Containers => "containers",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatStrategy {
    None,
    Single,
    PerAz,
}

impl NatStrategy {
    pub fn as_str(self) -> &'static str {
        match self {
            NatStrategy::None => "none",
            NatStrategy::Single => "single",
            NatStrategy::PerAz => "per_az",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub cidr_block: Ipv4Net,
    pub az_count: usize,
    pub nat_gateways: NatStrategy,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Database {
    pub engine_version: String,
    pub instance_class: String,
    pub allocated_storage: i64,
    pub multi_az: bool,
    pub backup_retention_days: i64,
    pub deletion_protection: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cache {
    pub node_type: String,
    pub replicas: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Containers {
    pub image: String,
    pub cpu: i64,
    pub memory: i64,
    pub desired_count: i64,
    pub min_count: i64,
    pub max_count: i64,
    pub certificate_arn: Option<String>,
    /// The path the load balancer checks; the image must answer it with 200.
    pub health_check_path: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Functions {
    pub runtime: String,
    pub handler: String,
    pub memory_size: i64,
    /// Path of a zip archive; None deploys the built-in placeholder handler.
    pub package: Option<String>,
    /// Concurrency reserved for the function; None reserves none (the account's pool).
    pub reserved_concurrency: Option<i64>,
    /// The package's SHA-256 in base64, as Lambda reports `CodeSha256`: new code under the same
    /// file name is a change the plan shows (`source_code_hash`). None with no package.
    pub package_sha256: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cdn {
    pub domain_name: Option<String>,
    pub zone_id: Option<String>,
    pub certificate_arn: Option<String>,
    pub price_class: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Waf {
    pub enabled: bool,
    pub rate_limit: i64,
    pub managed_rule_groups: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Observability {
    pub log_retention_days: i64,
    pub alarm_email: Option<String>,
}

/// A fully resolved environment: every default applied, every value checked.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvironmentSpec {
    pub name: String,
    pub stage: Stage,
    pub compute: Compute,
    pub network: Network,
    pub database: Database,
    pub tables: Vec<String>,
    pub cache: Cache,
    pub containers: Containers,
    pub functions: Functions,
    pub cdn: Cdn,
    pub waf: Waf,
    pub observability: Observability,
    pub backup_retention_days: i64,
    /// Destroy empties the buckets and the backup vault instead of refusing while they hold data.
    pub force_destroy: bool,
    pub tags: BTreeMap<String, String>,
}

impl EnvironmentSpec {
    /// `name-stage`, the prefix of every AWS name.
    pub fn prefix(&self) -> String {
        format!("{}-{}", self.name, self.stage.as_str())
    }
}

pub const DEFAULT_MANAGED_RULE_GROUPS: &[&str] = &[
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
];

/// Fargate's accepted cpu units and, for each, the memory sizes (MiB) it allows.
pub fn fargate_memory_allowed(cpu: i64, memory: i64) -> bool {
    match cpu {
        256 => [512, 1024, 2048].contains(&memory),
        512 => (1024..=4096).contains(&memory) && memory % 1024 == 0,
        1024 => (2048..=8192).contains(&memory) && memory % 1024 == 0,
        2048 => (4096..=16384).contains(&memory) && memory % 1024 == 0,
        4096 => (8192..=30720).contains(&memory) && memory % 1024 == 0,
        8192 => (16384..=61440).contains(&memory) && memory % 4096 == 0,
        16384 => (32768..=122880).contains(&memory) && memory % 8192 == 0,
        _ => false,
    }
}

const LAMBDA_RUNTIMES: &[&str] = &[
    "python3.12",
    "python3.13",
    "nodejs20.x",
    "nodejs22.x",
    "java21",
    "provided.al2023",
    "ruby3.3",
    "dotnet8",
];
const LOG_RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
const PRICE_CLASSES: &[&str] = &["PriceClass_100", "PriceClass_200", "PriceClass_All"];

fn md(s: &str) -> String {
    s.to_string()
}

pub fn block_schema() -> Block {
    use Attribute as A;
    Block::new("One EduLibra platform environment: network, security, storage, data, compute, edge and operations, expanded into AWS resources that `terraform plan` lists in `topology`.")
        .attr(A::computed("id", Type::String, "The environment's identifier, `<name>-<stage>`."))
        .attr(A::required("name", Type::String, &md("Prefix of every AWS name: lowercase letters, digits and hyphens, starting with a letter. Its length is bounded by the longest name derived from it (the ALB and target group names, 32 characters). Changing it replaces the environment.")))
        .attr(A::required("stage", Type::String, "`dev`, `staging` or `prod`. Picks the defaults of every block (AZ count, NAT strategy, multi-AZ database, retention, deletion protection)."))
        .attr(A::optional_computed("compute", Type::String, "`containers` (ECS on Fargate behind an ALB, with auto scaling; the default) or `serverless` (Lambda behind API Gateway)."))
        .attr(A::optional_computed("tables", Type::list(Type::String), "DynamoDB table names (on demand, KMS, point-in-time recovery). Default: `exercises`, `user_progress`."))
        .attr(A::optional_computed("force_destroy", Type::Bool, "Destroy deletes the objects in the environment's buckets and the recovery points in its backup vault instead of refusing while they hold data. Default true in dev."))
        .attr(A::optional("tags", Type::map(Type::String), "Tags for every AWS resource, merged over the provider's `default_tags`."))
        .attr(A::computed("topology", Type::Dynamic, "Every AWS resource of the environment: `address`, `type` (a hashicorp/aws resource type), `values` in that type's attribute shape, `depends_on`, and `references` (attribute path to the addresses it refers to). Values known only after apply are unknown in the plan."))
        .attr(A::computed("resource_count", Type::Number, "Number of AWS resources in `topology`."))
        .attr(A::computed("provisioned", Type::map(Type::map(Type::String)), "What apply created: for each child address of `topology`, the attributes AWS assigned to it (`id`, and `arn`, `name` ... where the child has them). A child missing here does not exist in AWS (yet)."))
        .attr(A::computed("vpc_id", Type::String, "VPC id."))
        .attr(A::computed("public_subnet_ids", Type::list(Type::String), "Public subnet ids, one per AZ."))
        .attr(A::computed("private_subnet_ids", Type::list(Type::String), "Private (application) subnet ids, one per AZ."))
        .attr(A::computed("data_subnet_ids", Type::list(Type::String), "Data subnet ids (database, cache), one per AZ."))
        .attr(A::computed("kms_key_arn", Type::String, "ARN of the environment's customer-managed KMS key."))
        .attr(A::computed("site_bucket_name", Type::String, "S3 bucket of the static site."))
        .attr(A::computed("media_bucket_name", Type::String, "S3 bucket of uploaded media."))
        .attr(A::computed("logs_bucket_name", Type::String, "S3 bucket of access logs and CloudTrail."))
        .attr(A::computed("cdn_domain_name", Type::String, "CloudFront domain name."))
        .attr(A::computed("api_endpoint", Type::String, "Base URL of the application API (ALB DNS name or API Gateway stage URL)."))
        .attr(A::computed("database_endpoint", Type::String, "PostgreSQL endpoint, `host:port`."))
        .attr(A::computed("database_secret_arn", Type::String, "ARN of the AWS-managed master password secret."))
        .block("network", Nesting::Group, Block::new("The VPC: public, private and data subnets in each AZ.")
            .attr(A::optional_computed("cidr_block", Type::String, "IPv4 block of the VPC, /16 to /22. Default `10.0.0.0/16`. Changing it replaces the environment."))
            .attr(A::optional_computed("az_count", Type::Number, "Availability zones, 2 to 6 and no more than the region offers the account (read from EC2 when the provider is configured; RDS subnet groups and load balancers need two). Default 2 in dev and staging, 3 in prod. Changing it replaces the environment."))
            .attr(A::optional_computed("nat_gateways", Type::String, "`single` or `per_az`. Default `single` in dev, `per_az` otherwise. (`none` is refused: Fargate pulls its image and writes its logs, and Lambda reaches Secrets Manager, through the NAT.)")))
        .block("database", Nesting::Group, Block::new("RDS PostgreSQL, encrypted with the environment key; the master password is managed by AWS and never in state.")
            .attr(A::optional_computed("engine_version", Type::String, "PostgreSQL version: a major version (`16`: RDS picks its current default minor, and upgrades minors itself) or a full `16.x`. Default `16`. A change upgrades the database in place."))
            .attr(A::optional_computed("instance_class", Type::String, "Instance class. Default `db.t4g.micro` in dev, `db.r6g.large` otherwise."))
            .attr(A::optional_computed("allocated_storage", Type::Number, "GiB, 20 to 65536. Default 20 in dev, 100 otherwise."))
            .attr(A::optional_computed("multi_az", Type::Bool, "Standby in a second AZ. Default true outside dev."))
            .attr(A::optional_computed("backup_retention_days", Type::Number, "Automated backup retention, 1 to 35 days. Default 1 in dev, 7 in staging, 30 in prod."))
            .attr(A::optional_computed("deletion_protection", Type::Bool, "Refuse deletion of the database, the DynamoDB tables and the load balancer while set. Default true in prod.")))
        .block("cache", Nesting::Group, Block::new("ElastiCache Redis replication group, encrypted at rest and in transit.")
            .attr(A::optional_computed("node_type", Type::String, "Node type. Default `cache.t4g.micro` in dev, `cache.r7g.large` otherwise."))
            .attr(A::optional_computed("replicas", Type::Number, "Read replicas, 0 to 5; above 0 enables automatic failover across AZs. Default 0 in dev, 1 otherwise.")))
        .block("containers", Nesting::Group, Block::new("The application tier in `containers` mode: ECS on Fargate behind an ALB.")
            .attr(A::optional_computed("image", Type::String, "Container image; it must listen on 8080 and run with a read-only root file system (`/tmp` is writable). Default `public.ecr.aws/nginx/nginx-unprivileged:stable`, which does."))
            .attr(A::optional_computed("cpu", Type::Number, "Fargate cpu units (256, 512, 1024, 2048, 4096, 8192, 16384)."))
            .attr(A::optional_computed("memory", Type::Number, "MiB; must be a size Fargate allows for `cpu`."))
            .attr(A::optional_computed("desired_count", Type::Number, "Tasks to run."))
            .attr(A::optional_computed("min_count", Type::Number, "Auto scaling minimum."))
            .attr(A::optional_computed("max_count", Type::Number, "Auto scaling maximum."))
            .attr(A::optional("certificate_arn", Type::String, "ACM certificate for the ALB's HTTPS listener. Without it the ALB listens on HTTP only (the validator reports it). It must cover `api.<cdn.domain_name>`, the name CloudFront reaches the ALB by, so `cdn.domain_name` and `cdn.zone_id` are required with it."))
            .attr(A::optional_computed("health_check_path", Type::String, "Path the load balancer checks; the image must answer 200 there. Default `/`.")))
        .block("functions", Nesting::Group, Block::new("The application tier in `serverless` mode: Lambda behind API Gateway.")
            .attr(A::optional_computed("runtime", Type::String, "Lambda runtime. Default `python3.12`."))
            .attr(A::optional_computed("handler", Type::String, "Handler. Default `index.handler`."))
            .attr(A::optional_computed("memory_size", Type::Number, "MiB, 128 to 10240. Default 256 in dev, 1024 otherwise."))
            .attr(A::optional("package", Type::String, "Path of the zip archive to deploy. Without it a small built-in placeholder handler is deployed."))
            .attr(A::optional("reserved_concurrency", Type::Number, "Concurrent executions reserved for the function. Unset by default: a new account's whole concurrency quota can be as small as 10, and AWS keeps 100 (or the whole quota, if smaller) unreserved. When set, apply checks the account's unreserved concurrency first.")))
        .block("cdn", Nesting::Group, Block::new("CloudFront in front of the static-site bucket (origin access control) and the API.")
            .attr(A::optional("domain_name", Type::String, "Custom domain; Route 53 alias records are created when `zone_id` is also set."))
            .attr(A::optional("zone_id", Type::String, "Route 53 hosted zone of `domain_name`."))
            .attr(A::optional("certificate_arn", Type::String, "ACM certificate (us-east-1) for `domain_name`."))
            .attr(A::optional_computed("price_class", Type::String, "`PriceClass_100`, `PriceClass_200` or `PriceClass_All`. Default `PriceClass_100`.")))
        .block("waf", Nesting::Group, Block::new("WAFv2 web ACLs on CloudFront and on the ALB or API stage.")
            .attr(A::optional_computed("enabled", Type::Bool, "Create the web ACLs. Default true."))
            .attr(A::optional_computed("rate_limit", Type::Number, "Requests per 5 minutes per IP before blocking, 100 to 2000000000. Default 2000."))
            .attr(A::optional_computed("managed_rule_groups", Type::list(Type::String), "AWS managed rule groups. Default: common, known bad inputs, SQL injection.")))
        .block("observability", Nesting::Group, Block::new("Log groups, alarms and CloudTrail.")
            .attr(A::optional_computed("log_retention_days", Type::Number, "CloudWatch Logs retention, a value CloudWatch accepts. Default 30 in dev, 90 in staging, 365 in prod."))
            .attr(A::optional("alarm_email", Type::String, "Subscribe this address to the alarm topic.")))
        .block("backup", Nesting::Group, Block::new("AWS Backup vault and daily plan over RDS and DynamoDB.")
            .attr(A::optional_computed("retention_days", Type::Number, "Days to keep backups. Default 7 in dev, 14 in staging, 35 in prod.")))
}

/// The schema's version. 1: children carry their `region` and names unique per account carry
/// the environment's region (issue "First real apply"); the arguments are those of version 0,
/// so a version-0 state upgrades as it is (`UpgradeResourceState`), and the next plan shows
/// the children the new names replace. A change of arguments adds a version and its step.
pub const SCHEMA_VERSION: i64 = 1;

pub fn schema() -> Schema {
    Schema::new(SCHEMA_VERSION, block_schema()).expect("edulibra_environment schema is valid")
}

/// Why a spec could not be built: either an error to report or a value not known yet.
pub enum SpecOutcome {
    Ready(Box<EnvironmentSpec>),
    /// Some input is unknown at plan time (a value from another resource): the expansion waits.
    Unknown,
    Invalid(Vec<Diagnostic>),
}

struct Reader<'a> {
    config: &'a Value,
    diags: Vec<Diagnostic>,
    unknown: bool,
}

impl<'a> Reader<'a> {
    fn raw(&mut self, path: &str) -> Option<&'a Value> {
        let mut v = self.config;
        for step in path.split('.') {
            v = v.get(step);
        }
        if v.is_unknown() || !v.is_wholly_known() {
            self.unknown = true;
            return None;
        }
        if v.is_null() {
            None
        } else {
            Some(v)
        }
    }
    fn string(&mut self, path: &str) -> Option<String> {
        self.raw(path).and_then(|v| v.as_str().map(str::to_string))
    }
    fn int(&mut self, path: &str, default: i64, min: i64, max: i64) -> i64 {
        match self.raw(path) {
            None => default,
            Some(v) => match v.as_i64() {
                Some(n) if (min..=max).contains(&n) => n,
                _ => {
                    self.diags.push(
                        Diagnostic::error(
                            format!("Invalid {path}"),
                            format!(
                                "{path} must be a whole number from {min} to {max}, got {}.",
                                v.to_json()
                            ),
                        )
                        .at(path),
                    );
                    default
                }
            },
        }
    }
    fn bool(&mut self, path: &str, default: bool) -> bool {
        self.raw(path).and_then(Value::as_bool).unwrap_or(default)
    }
    fn choice<T: Copy>(&mut self, path: &str, default: T, options: &[(&str, T)]) -> T {
        match self.string(path) {
            None => default,
            Some(s) => match options.iter().find(|(n, _)| *n == s) {
                Some((_, t)) => *t,
                None => {
                    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
                    self.diags.push(
                        Diagnostic::error(
                            format!("Invalid {path}"),
                            format!("{s:?} is not one of {}.", names.join(", ")),
                        )
                        .at(path),
                    );
                    default
                }
            },
        }
    }
    fn error(&mut self, path: &str, summary: &str, detail: String) {
        self.diags.push(Diagnostic::error(summary, detail).at(path));
    }
}

/// The longest names derived from the environment name, with the limits AWS sets for each.
/// Checking the longest instance of each kind covers every derived name of that kind.
pub fn derived_name_limits(prefix: &str) -> Vec<(String, usize, &'static str)> {
    vec![
        (
            format!("{prefix}-XXXXXXXXXXXXXX-media"),
            63,
            "S3 bucket name (with the longest region)",
        ),
        (format!("{prefix}-db"), 63, "RDS instance identifier"),
        (
            format!("{prefix}-cache"),
            40,
            "ElastiCache replication group id",
        ),
        (format!("{prefix}-default"), 40, "ElastiCache user id"),
        (format!("{prefix}-alb"), 32, "load balancer name"),
        (format!("{prefix}-XXX"), 32, "target group name"),
        // Names unique per account carry the region (the longest region name has 14
        // characters): see `Builder::global_name`.
        (
            format!("{prefix}-XXXXXXXXXXXXXX-task-execution"),
            64,
            "IAM role name",
        ),
        (
            format!("{prefix}-XXXXXXXXXXXXXX-rds-monitoring"),
            64,
            "IAM role name",
        ),
        (
            format!("{prefix}-XXXXXXXXXXXXXX-cloudfront"),
            128,
            "WAF web ACL name",
        ),
        (
            format!("aws-waf-logs-{prefix}-XXXXXXXXXXXXXX-cloudfront"),
            512,
            "WAF log group name",
        ),
    ]
}

fn check_name(r: &mut Reader, name: &str, stage: Stage) {
    let valid_chars = name
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-');
    let starts_letter = name.bytes().next().is_some_and(|c| c.is_ascii_lowercase());
    if name.len() < 2
        || !valid_chars
        || !starts_letter
        || name.ends_with('-')
        || name.contains("--")
    {
        r.error(
            "name",
            "Invalid environment name",
            format!("{name:?} must be at least 2 characters of lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen (every AWS name is derived from it)."),
        );
        return;
    }
    let prefix = format!("{name}-{}", stage.as_str());
    for (derived, max, what) in derived_name_limits(&prefix) {
        if derived.len() > max {
            let allowed = name.len() - (derived.len() - max);
            r.error(
                "name",
                "Environment name too long",
                format!("The {what} derived from {name:?} would be {} characters; AWS allows {max}. Use at most {allowed} characters for name with stage {:?}.", derived.len(), stage.as_str()),
            );
            return;
        }
    }
}

pub fn read(config: &Value) -> SpecOutcome {
    let mut r = Reader {
        config,
        diags: Vec::new(),
        unknown: false,
    };
    let name = r.string("name");
    let stage = r.choice(
        "stage",
        Stage::Dev,
        &[
            ("dev", Stage::Dev),
            ("staging", Stage::Staging),
            ("prod", Stage::Prod),
        ],
    );
    let stage_known = r.raw("stage").is_some();
    if let (Some(n), true) = (&name, stage_known) {
        check_name(&mut r, n, stage);
    }
    let compute = r.choice(
        "compute",
        Compute::Containers,
        &[
            ("containers", Compute::Containers),
            ("serverless", Compute::Serverless),
        ],
    );
    let dev = stage == Stage::Dev;
    let prod = stage == Stage::Prod;

    // network
    let cidr_block = match r.string("network.cidr_block") {
        None => Ipv4Net::from_str("10.0.0.0/16").unwrap(),
        Some(s) => match Ipv4Net::from_str(&s) {
            Ok(net) if net.network() != net.addr() => {
                r.error(
                    "network.cidr_block",
                    "Invalid CIDR block",
                    format!("{s:?} has host bits set; did you mean {}?", net.trunc()),
                );
                net.trunc()
            }
            Ok(net) if !(16..=22).contains(&net.prefix_len()) => {
                r.error("network.cidr_block", "Invalid CIDR block size", format!("{s:?} is a /{}; the VPC block must be /16 to /22 (AWS allows /16 to /28, and the environment needs room for {} subnets).", net.prefix_len(), 3 * 6));
                net
            }
            Ok(net) => net,
            Err(_) => {
                r.error(
                    "network.cidr_block",
                    "Invalid CIDR block",
                    format!("{s:?} is not an IPv4 CIDR block such as 10.0.0.0/16."),
                );
                Ipv4Net::from_str("10.0.0.0/16").unwrap()
            }
        },
    };
    let az_default = if prod { 3 } else { 2 };
    // Two at least in every stage: an RDS subnet group and an ALB each need subnets in two AZs
    // (CreateDBSubnetGroup, CreateLoadBalancer: "at least two subnets in two different
    // Availability Zones").
    let az_count = r.int("network.az_count", az_default, 2, 6);
    if r.string("network.nat_gateways").as_deref() == Some("none") {
        r.error(
            "network.nat_gateways",
            "No route out of the private subnets",
            "nat_gateways = \"none\" leaves Fargate unable to pull its image and write its logs, and Lambda unable to reach Secrets Manager and DynamoDB: use \"single\" (one NAT gateway) or \"per_az\".".into(),
        );
    }
    let nat_gateways = r.choice(
        "network.nat_gateways",
        if dev {
            NatStrategy::Single
        } else {
            NatStrategy::PerAz
        },
        &[
            ("none", NatStrategy::None),
            ("single", NatStrategy::Single),
            ("per_az", NatStrategy::PerAz),
        ],
    );

    // database
    let engine_version = r
        .string("database.engine_version")
        .unwrap_or_else(|| "16".into());
    if !engine_version
        .split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
    {
        r.error(
            "database.engine_version",
            "Invalid engine_version",
            format!("{engine_version:?} is not a PostgreSQL version such as 16 or 16.6."),
        );
    }
    let instance_class = r
        .string("database.instance_class")
        .unwrap_or_else(|| if dev { "db.t4g.micro" } else { "db.r6g.large" }.into());
    if !instance_class.starts_with("db.") {
        r.error(
            "database.instance_class",
            "Invalid instance_class",
            format!("{instance_class:?} is not an RDS instance class (they start with \"db.\")."),
        );
    }
    let database = Database {
        engine_version,
        instance_class,
        allocated_storage: r.int(
            "database.allocated_storage",
            if dev { 20 } else { 100 },
            20,
            65536,
        ),
        multi_az: r.bool("database.multi_az", !dev),
        backup_retention_days: r.int(
            "database.backup_retention_days",
            match stage {
                Stage::Dev => 1,
                Stage::Staging => 7,
                Stage::Prod => 30,
            },
            1,
            35,
        ),
        deletion_protection: r.bool("database.deletion_protection", prod),
    };

    let tables = match r.raw("tables").and_then(Value::as_list) {
        None => vec!["exercises".to_string(), "user_progress".to_string()],
        Some(l) => {
            let mut out = Vec::new();
            for (i, t) in l.iter().enumerate() {
                let s = t.as_str().unwrap_or_default().to_string();
                let ok = !s.is_empty()
                    && s.len() <= 40
                    && s.bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_');
                if !ok {
                    r.diags.push(
                        Diagnostic::error(
                            "Invalid table name",
                            format!(
                                "{s:?} must be 1 to 40 lowercase letters, digits or underscores."
                            ),
                        )
                        .at_steps(vec![
                            crate::diag::Step::Attr("tables".into()),
                            crate::diag::Step::Index(i as i64),
                        ]),
                    );
                } else if out.contains(&s) {
                    r.diags.push(
                        Diagnostic::error("Duplicate table name", format!("{s:?} appears twice."))
                            .at_steps(vec![
                                crate::diag::Step::Attr("tables".into()),
                                crate::diag::Step::Index(i as i64),
                            ]),
                    );
                } else {
                    out.push(s);
                }
            }
            out
        }
    };

    let cache = Cache {
        node_type: r.string("cache.node_type").unwrap_or_else(|| {
            if dev {
                "cache.t4g.micro"
            } else {
                "cache.r7g.large"
            }
            .into()
        }),
        replicas: r.int("cache.replicas", if dev { 0 } else { 1 }, 0, 5),
    };
    if !cache.node_type.starts_with("cache.") {
        r.error(
            "cache.node_type",
            "Invalid node_type",
            format!(
                "{:?} is not an ElastiCache node type (they start with \"cache.\").",
                cache.node_type
            ),
        );
    }

    let cpu = r.int("containers.cpu", if prod { 1024 } else { 256 }, 256, 16384);
    let memory = r.int(
        "containers.memory",
        if prod { 2048 } else { 512 },
        512,
        122880,
    );
    if !fargate_memory_allowed(cpu, memory) {
        let path = if r.raw("containers.memory").is_some() {
            "containers.memory"
        } else {
            "containers.cpu"
        };
        r.error(path, "Unsupported Fargate size", format!("Fargate does not run cpu = {cpu} with memory = {memory} MiB; see the task size table in the ECS documentation (for example 256 with 512, 1024 or 2048)."));
    }
    let desired_default = if prod {
        3
    } else if dev {
        1
    } else {
        2
    };
    let min_count = r.int("containers.min_count", desired_default, 0, 1000);
    let max_count = r.int("containers.max_count", desired_default * 3, 1, 1000);
    let desired_count = r.int("containers.desired_count", desired_default, 0, 1000);
    if min_count > max_count {
        r.error(
            "containers.min_count",
            "Invalid scaling range",
            format!("min_count ({min_count}) exceeds max_count ({max_count})."),
        );
    } else if desired_count < min_count || desired_count > max_count {
        r.error("containers.desired_count", "Invalid desired_count", format!("desired_count ({desired_count}) must lie within min_count ({min_count}) and max_count ({max_count})."));
    }
    let containers = Containers {
        image: r
            .string("containers.image")
            // nginx's unprivileged build listens on 8080, runs as a non-root user and writes
            // only below /tmp, which the task mounts: it works with the task as shaped.
            .unwrap_or_else(|| "public.ecr.aws/nginx/nginx-unprivileged:stable".into()),
        cpu,
        memory,
        desired_count,
        min_count,
        max_count,
        certificate_arn: r.string("containers.certificate_arn"),
        health_check_path: r
            .string("containers.health_check_path")
            .unwrap_or_else(|| "/".into()),
    };
    if !containers.health_check_path.starts_with('/') {
        r.error(
            "containers.health_check_path",
            "Invalid health_check_path",
            format!(
                "{:?} is not a path; it starts with /.",
                containers.health_check_path
            ),
        );
    }

    let runtime = r
        .string("functions.runtime")
        .unwrap_or_else(|| "python3.12".into());
    if !LAMBDA_RUNTIMES.contains(&runtime.as_str()) {
        r.error(
            "functions.runtime",
            "Unsupported runtime",
            format!("{runtime:?} is not one of {}.", LAMBDA_RUNTIMES.join(", ")),
        );
    }
    // Read here, where the configuration is read, so that the plan shows new code under the
    // same file name; a package that cannot be read is refused at its attribute now rather than
    // half-way through an apply.
    let package = r.string("functions.package");
    let package_sha256 = match &package {
        Some(path) => match std::fs::read(path) {
            Ok(bytes) => Some(crate::lambda_package::code_sha256(&bytes)),
            Err(e) => {
                r.error(
                    "functions.package",
                    "Cannot read the package",
                    format!("{path}: {e}"),
                );
                None
            }
        },
        None => None,
    };
    let functions = Functions {
        runtime,
        handler: r
            .string("functions.handler")
            .unwrap_or_else(|| "index.handler".into()),
        memory_size: r.int(
            "functions.memory_size",
            if dev { 256 } else { 1024 },
            128,
            10240,
        ),
        package,
        package_sha256,
        reserved_concurrency: r
            .raw("functions.reserved_concurrency")
            .filter(|v| !v.is_null())
            .map(|_| r.int("functions.reserved_concurrency", 0, 0, 100_000)),
    };

    let price_class = r
        .string("cdn.price_class")
        .unwrap_or_else(|| "PriceClass_100".into());
    if !PRICE_CLASSES.contains(&price_class.as_str()) {
        r.error(
            "cdn.price_class",
            "Invalid price_class",
            format!(
                "{price_class:?} is not one of {}.",
                PRICE_CLASSES.join(", ")
            ),
        );
    }
    let cdn = Cdn {
        domain_name: r.string("cdn.domain_name"),
        zone_id: r.string("cdn.zone_id"),
        certificate_arn: r.string("cdn.certificate_arn"),
        price_class,
    };
    if cdn.domain_name.is_some()
        && cdn.certificate_arn.is_none()
        && r.raw("cdn.certificate_arn").is_none()
        && !r.unknown
    {
        r.error(
            "cdn.certificate_arn",
            "Missing certificate",
            "A custom domain_name needs an ACM certificate in us-east-1 for CloudFront.".into(),
        );
    }

    // CloudFront reaches the ALB over HTTPS by a name its certificate covers; the ALB's own
    // `*.elb.amazonaws.com` name is never on a certificate of ours, and viewers would get 502s.
    if containers.certificate_arn.is_some()
        && (cdn.domain_name.is_none() || cdn.zone_id.is_none())
        && !r.unknown
    {
        r.error(
            "containers.certificate_arn",
            "No name for the HTTPS origin",
            "With an ALB certificate CloudFront reaches the ALB as api.<cdn.domain_name>, a name the certificate must cover: set cdn.domain_name and cdn.zone_id (the record is created in that zone).".into(),
        );
    }

    let managed_rule_groups = match r.raw("waf.managed_rule_groups").and_then(Value::as_list) {
        None => DEFAULT_MANAGED_RULE_GROUPS
            .iter()
            .map(|s| s.to_string())
            .collect(),
        Some(l) => l
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
    };
    let waf = Waf {
        enabled: r.bool("waf.enabled", true),
        rate_limit: r.int("waf.rate_limit", 2000, 100, 2_000_000_000),
        managed_rule_groups,
    };

    let log_retention_days = r.int(
        "observability.log_retention_days",
        match stage {
            Stage::Dev => 30,
            Stage::Staging => 90,
            Stage::Prod => 365,
        },
        1,
        3653,
    );
    if !LOG_RETENTION_DAYS.contains(&log_retention_days) {
        r.error("observability.log_retention_days", "Invalid log retention", format!("CloudWatch Logs accepts only {LOG_RETENTION_DAYS:?} days; {log_retention_days} is not one of them."));
    }
    let alarm_email = r.string("observability.alarm_email");
    if let Some(e) = &alarm_email {
        if !e.contains('@') || e.starts_with('@') || e.ends_with('@') {
            r.error(
                "observability.alarm_email",
                "Invalid alarm_email",
                format!("{e:?} is not an email address."),
            );
        }
    }
    let backup_retention_days = r.int(
        "backup.retention_days",
        match stage {
            Stage::Dev => 7,
            Stage::Staging => 14,
            Stage::Prod => 35,
        },
        1,
        36500,
    );

    let force_destroy = r.bool("force_destroy", stage == Stage::Dev);

    let mut tags = BTreeMap::new();
    if let Some(m) = r.raw("tags").and_then(Value::as_map) {
        for (k, v) in m {
            if k.starts_with("edulibra:") {
                r.diags.push(
                    Diagnostic::error("Reserved tag key", format!("Tag keys starting with \"edulibra:\" are set by the provider; {k:?} cannot be set here."))
                        .at_steps(vec![crate::diag::Step::Attr("tags".into()), crate::diag::Step::Key(k.clone())]),
                );
            }
            if let Some(v) = v.as_str() {
                tags.insert(k.clone(), v.to_string());
            }
        }
    }

    if !r.diags.is_empty() {
        return SpecOutcome::Invalid(r.diags);
    }
    let name = match name {
        Some(n) if !r.unknown => n,
        _ => return SpecOutcome::Unknown,
    };
    SpecOutcome::Ready(Box::new(EnvironmentSpec {
        name,
        stage,
        compute,
        network: Network {
            cidr_block,
            az_count: az_count as usize,
            nat_gateways,
        },
        database,
        tables,
        cache,
        containers,
        functions,
        cdn,
        waf,
        observability: Observability {
            log_retention_days,
            alarm_email,
        },
        backup_retention_days,
        force_destroy,
        tags,
    }))
}

/// Writes the effective value of every optional+computed argument into the planned state, so
/// the plan shows the defaults the stage picked.
pub fn fill_defaults(planned: &mut BTreeMap<String, Value>, spec: &EnvironmentSpec) {
    // The spec is what the configuration means (an unset argument is the stage's default), so
    // it decides every optional+computed argument. Terraform proposes the prior value for an
    // argument the configuration no longer sets; keeping that would plan one value and expand
    // the topology from another.
    fn set(m: &mut BTreeMap<String, Value>, key: &str, v: Value) {
        m.insert(key.to_string(), v);
    }
    fn group<'a>(m: &'a mut BTreeMap<String, Value>, key: &str) -> &'a mut BTreeMap<String, Value> {
        let slot = m
            .entry(key.to_string())
            .or_insert_with(|| Value::Map(BTreeMap::new()));
        if !matches!(slot, Value::Map(_)) {
            *slot = Value::Map(BTreeMap::new());
        }
        match slot {
            Value::Map(inner) => inner,
            _ => unreachable!("just made a map"),
        }
    }
    set(planned, "compute", spec.compute.as_str().into());
    set(planned, "force_destroy", Value::Bool(spec.force_destroy));
    set(
        planned,
        "tables",
        Value::List(
            spec.tables
                .iter()
                .map(|t| Value::from(t.as_str()))
                .collect(),
        ),
    );
    let n = group(planned, "network");
    set(n, "cidr_block", spec.network.cidr_block.to_string().into());
    set(n, "az_count", Value::int(spec.network.az_count as i64));
    set(n, "nat_gateways", spec.network.nat_gateways.as_str().into());
    let d = group(planned, "database");
    set(
        d,
        "engine_version",
        spec.database.engine_version.clone().into(),
    );
    set(
        d,
        "instance_class",
        spec.database.instance_class.clone().into(),
    );
    set(
        d,
        "allocated_storage",
        Value::int(spec.database.allocated_storage),
    );
    set(d, "multi_az", spec.database.multi_az.into());
    set(
        d,
        "backup_retention_days",
        Value::int(spec.database.backup_retention_days),
    );
    set(
        d,
        "deletion_protection",
        spec.database.deletion_protection.into(),
    );
    let c = group(planned, "cache");
    set(c, "node_type", spec.cache.node_type.clone().into());
    set(c, "replicas", Value::int(spec.cache.replicas));
    let k = group(planned, "containers");
    set(k, "image", spec.containers.image.clone().into());
    set(k, "cpu", Value::int(spec.containers.cpu));
    set(k, "memory", Value::int(spec.containers.memory));
    set(
        k,
        "desired_count",
        Value::int(spec.containers.desired_count),
    );
    set(k, "min_count", Value::int(spec.containers.min_count));
    set(k, "max_count", Value::int(spec.containers.max_count));
    set(
        k,
        "health_check_path",
        spec.containers.health_check_path.clone().into(),
    );
    let f = group(planned, "functions");
    set(f, "runtime", spec.functions.runtime.clone().into());
    set(f, "handler", spec.functions.handler.clone().into());
    set(f, "memory_size", Value::int(spec.functions.memory_size));
    let cd = group(planned, "cdn");
    set(cd, "price_class", spec.cdn.price_class.clone().into());
    let w = group(planned, "waf");
    set(w, "enabled", spec.waf.enabled.into());
    set(w, "rate_limit", Value::int(spec.waf.rate_limit));
    set(
        w,
        "managed_rule_groups",
        Value::List(
            spec.waf
                .managed_rule_groups
                .iter()
                .map(|t| Value::from(t.as_str()))
                .collect(),
        ),
    );
    let o = group(planned, "observability");
    set(
        o,
        "log_retention_days",
        Value::int(spec.observability.log_retention_days),
    );
    let b = group(planned, "backup");
    set(b, "retention_days", Value::int(spec.backup_retention_days));
}

/// The configuration value Terraform would send for an `edulibra_environment` block written as
/// JSON: every attribute present, unset ones null, absent group blocks as objects of nulls.
/// For tests, benchmarks and previews built outside Terraform.
pub fn config_from_json(j: &serde_json::Value) -> Value {
    fn shaped(ty: &Type, j: Option<&serde_json::Value>) -> Value {
        match (ty, j) {
            (Type::Object(attrs), Some(serde_json::Value::Object(o))) => Value::Map(
                attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), shaped(t, o.get(k))))
                    .collect(),
            ),
            // An absent group block arrives as an object of nulls, any other attribute as null.
            (Type::Object(attrs), None) => Value::Map(
                attrs
                    .iter()
                    .map(|(k, t)| {
                        let v = match t {
                            Type::Object(inner) => {
                                Value::Map(inner.keys().map(|n| (n.clone(), Value::Null)).collect())
                            }
                            _ => Value::Null,
                        };
                        (k.clone(), v)
                    })
                    .collect(),
            ),
            (_, Some(v)) => Value::from_json(v),
            (_, None) => Value::Null,
        }
    }
    shaped(&schema().block.implied_type(), Some(j))
}
