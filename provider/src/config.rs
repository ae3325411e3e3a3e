//! The provider block: its schema (after the hashicorp/aws provider's conventions where they
//! overlap) and the settings read from it.

use std::collections::BTreeMap;

use crate::diag::Diagnostic;
use crate::schema::{Attribute, Block, Nesting, Schema};
use crate::value::{Type, Value};

/// Services with an `endpoints` override. Names follow the hashicorp/aws provider.
pub const SERVICES: &[&str] = &[
    "apigateway",
    "applicationautoscaling",
    "backup",
    "cloudfront",
    "cloudtrail",
    "cloudwatch",
    "dynamodb",
    "ec2",
    "ecs",
    "elasticache",
    "elbv2",
    "iam",
    "kms",
    "lambda",
    "logs",
    "rds",
    "route53",
    "s3",
    "secretsmanager",
    "sns",
    "sts",
    "wafv2",
];

pub fn schema() -> Schema {
    let mut endpoints =
        Block::new("Per-service endpoint URLs, overriding `endpoint` for that service.");
    for s in SERVICES {
        endpoints = endpoints.attr(Attribute::optional(
            s,
            Type::String,
            &format!("Endpoint URL for {s}."),
        ));
    }
    let block = Block::new("The EduLibra provider builds and manages the EduLibra platform in one AWS account.")
        .attr(Attribute::optional("region", Type::String, "AWS region. Falls back to `AWS_REGION`, `AWS_DEFAULT_REGION` and the shared config file."))
        .attr(Attribute::optional("profile", Type::String, "Named profile of the shared config and credentials files. Falls back to `AWS_PROFILE`."))
        .attr(Attribute::optional("shared_config_files", Type::list(Type::String), "Paths of shared config files (default `~/.aws/config`)."))
        .attr(Attribute::optional("shared_credentials_files", Type::list(Type::String), "Paths of shared credentials files (default `~/.aws/credentials`)."))
        .attr(Attribute::optional("access_key", Type::String, "Access key id. Prefer the `AWS_ACCESS_KEY_ID` variable or a profile.").sensitive())
        .attr(Attribute::optional("secret_key", Type::String, "Secret access key. Prefer `AWS_SECRET_ACCESS_KEY` or a profile.").sensitive())
        .attr(Attribute::optional("token", Type::String, "Session token for temporary credentials.").sensitive())
        .attr(Attribute::optional("endpoint", Type::String, "One endpoint URL for every service, e.g. a local AWS emulator such as `http://127.0.0.1:5055`. S3 then uses path-style addressing."))
        .attr(Attribute::optional("default_tags", Type::map(Type::String), "Tags applied to every AWS resource the provider creates, under each environment's own `tags`."))
        .attr(Attribute::optional("max_retries", Type::Number, "Attempts after the first for an AWS call that failed with a 5xx or no answer (default 8). Throttling, IAM propagation, resources still being released and changes still settling each have a time budget of their own (see docs/architecture.md)."))
        .attr(Attribute::optional("max_concurrency", Type::Number, "How many AWS resources the apply engine creates or deletes at once (default 8)."))
        .attr(Attribute::optional("skip_resource_types", Type::list(Type::String), "Child resource types that apply leaves out, for an endpoint that does not implement their API (such as an emulator): they stay in the plan and are judged by the rules, but neither they nor the children that depend on them are created; the plan and apply say which. Default: none."))
        .attr(Attribute::optional("policy_enforcement", Type::String, "What `terraform plan` does with the validator's findings on each environment: `warn` (default) reports them as warnings, `strict` fails the plan, `off` skips the check."))
        .attr(Attribute::optional("policy_paths", Type::list(Type::String), "Directories of reviewers' own Rego rules, checked in plan besides the built-in ones (as `edulibra-validate check --policy`)."))
        .attr(Attribute::optional("waivers_file", Type::String, "Waivers (YAML, or TOML by extension) applied to plan-time findings, as `edulibra-validate check --waivers`."))
        .block_limited(
            "assume_role",
            Nesting::List,
            Block::new("Assume this IAM role with the base credentials before any call.")
                .attr(Attribute::required("role_arn", Type::String, "ARN of the role to assume."))
                .attr(Attribute::optional("session_name", Type::String, "Session name (default `edulibra-terraform`)."))
                .attr(Attribute::optional("external_id", Type::String, "External id the role's trust policy requires.")),
            0,
            1,
        )
        .block_limited("endpoints", Nesting::List, endpoints, 0, 1);
    Schema::new(0, block).expect("provider schema is valid")
}

/// Settings read from the provider block. Unknown values (from resources not yet created) are
/// treated as unset: `Configure` must not fail on them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub shared_config_files: Vec<String>,
    pub shared_credentials_files: Vec<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    pub endpoint: Option<String>,
    pub endpoints: BTreeMap<String, String>,
    pub default_tags: BTreeMap<String, String>,
    pub max_retries: u32,
    pub max_concurrency: usize,
    pub assume_role: Option<AssumeRole>,
    /// Child types apply leaves out (`skip_resource_types`).
    pub skip_types: std::collections::BTreeSet<String>,
    pub policy: PolicySettings,
    /// Names of settings whose values were unknown at configure time.
    pub unknown: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Enforcement {
    #[default]
    Warn,
    Strict,
    Off,
}

/// Plan-time policy checks: which rules, which waivers, and how findings are reported.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicySettings {
    pub enforcement: Enforcement,
    pub paths: Vec<String>,
    pub waivers_file: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
}

fn opt_string(v: &Value, name: &str, unknown: &mut Vec<String>) -> Option<String> {
    let x = v.get(name);
    if x.is_unknown() {
        unknown.push(name.to_string());
    }
    x.as_str().map(str::to_string)
}

fn string_list(v: &Value, name: &str) -> Vec<String> {
    v.get(name)
        .as_list()
        .map(|l| {
            l.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A whole number in `min..=max`, or None when unset or unknown (with a diagnostic when invalid).
fn bounded(
    config: &Value,
    name: &str,
    min: i64,
    max: i64,
    diags: &mut Vec<Diagnostic>,
) -> Option<i64> {
    let x = config.get(name);
    if x.is_null() || x.is_unknown() {
        return None;
    }
    match x.as_i64() {
        Some(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            diags.push(
                Diagnostic::error(
                    format!("Invalid {name}"),
                    format!("{name} must be a whole number from {min} to {max}."),
                )
                .at(name),
            );
            None
        }
    }
}

pub fn read(config: &Value) -> (Settings, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut unknown = Vec::new();
    let mut s = Settings {
        region: opt_string(config, "region", &mut unknown),
        profile: opt_string(config, "profile", &mut unknown),
        shared_config_files: string_list(config, "shared_config_files"),
        shared_credentials_files: string_list(config, "shared_credentials_files"),
        access_key: opt_string(config, "access_key", &mut unknown),
        secret_key: opt_string(config, "secret_key", &mut unknown),
        token: opt_string(config, "token", &mut unknown),
        endpoint: opt_string(config, "endpoint", &mut unknown),
        max_retries: 8,
        max_concurrency: 8,
        ..Settings::default()
    };
    if let Some(m) = config.get("default_tags").as_map() {
        for (k, v) in m {
            if let Some(v) = v.as_str() {
                s.default_tags.insert(k.clone(), v.to_string());
            }
        }
    }
    if let Some(n) = bounded(config, "max_retries", 0, 100, &mut diags) {
        s.max_retries = n as u32;
    }
    if let Some(n) = bounded(config, "max_concurrency", 1, 64, &mut diags) {
        s.max_concurrency = n as usize;
    }
    for (i, t) in string_list(config, "skip_resource_types")
        .into_iter()
        .enumerate()
    {
        if crate::apply::kinds::provisioned(&t) {
            s.skip_types.insert(t);
        } else {
            diags.push(
                Diagnostic::error(
                    "Unknown resource type in skip_resource_types",
                    format!("{t:?} is not a type this provider creates; see the `topology` of an environment for the types it has."),
                )
                .at_steps(vec![
                    crate::diag::Step::Attr("skip_resource_types".into()),
                    crate::diag::Step::Index(i as i64),
                ]),
            );
        }
    }
    if s.access_key.is_some() != s.secret_key.is_some()
        && !unknown
            .iter()
            .any(|u| u == "access_key" || u == "secret_key")
    {
        diags.push(
            Diagnostic::error(
                "Incomplete static credentials",
                "Set both access_key and secret_key, or neither.",
            )
            .at(if s.access_key.is_some() {
                "secret_key"
            } else {
                "access_key"
            }),
        );
    }
    for (field, value) in [("endpoint", s.endpoint.clone())] {
        if let Some(u) = value {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                diags.push(
                    Diagnostic::error(
                        "Invalid endpoint URL",
                        format!("{u:?} must start with http:// or https://."),
                    )
                    .at(field),
                );
            }
        }
    }
    if let Some(first) = config.get("endpoints").as_list().and_then(|l| l.first()) {
        for svc in SERVICES {
            if let Some(u) = first.get(svc).as_str() {
                if !(u.starts_with("http://") || u.starts_with("https://")) {
                    diags.push(
                        Diagnostic::error(
                            "Invalid endpoint URL",
                            format!("{u:?} must start with http:// or https://."),
                        )
                        .at_steps(vec![
                            crate::diag::Step::Attr("endpoints".into()),
                            crate::diag::Step::Index(0),
                            crate::diag::Step::Attr(svc.to_string()),
                        ]),
                    );
                }
                s.endpoints.insert(svc.to_string(), u.to_string());
            }
        }
    }
    if let Some(first) = config.get("assume_role").as_list().and_then(|l| l.first()) {
        match first.get("role_arn").as_str() {
            Some(arn) if arn.starts_with("arn:") => {
                s.assume_role = Some(AssumeRole {
                    role_arn: arn.to_string(),
                    session_name: first
                        .get("session_name")
                        .as_str()
                        .unwrap_or("edulibra-terraform")
                        .to_string(),
                    external_id: first.get("external_id").as_str().map(str::to_string),
                })
            }
            Some(arn) => diags.push(
                Diagnostic::error("Invalid role ARN", format!("{arn:?} is not an ARN.")).at_steps(
                    vec![
                        crate::diag::Step::Attr("assume_role".into()),
                        crate::diag::Step::Index(0),
                        crate::diag::Step::Attr("role_arn".into()),
                    ],
                ),
            ),
            None => unknown.push("assume_role.role_arn".into()),
        }
    }
    match config.get("policy_enforcement").as_str() {
        None | Some("warn") => {}
        Some("strict") => s.policy.enforcement = Enforcement::Strict,
        Some("off") => s.policy.enforcement = Enforcement::Off,
        Some(other) => diags.push(
            Diagnostic::error(
                "Invalid policy_enforcement",
                format!("{other:?} is not one of warn, strict, off."),
            )
            .at("policy_enforcement"),
        ),
    }
    s.policy.paths = string_list(config, "policy_paths");
    s.policy.waivers_file = opt_string(config, "waivers_file", &mut unknown);
    s.unknown = unknown;
    (s, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: Vec<(&str, Value)>) -> Value {
        let mut m: BTreeMap<String, Value> = schema()
            .block
            .implied_type()
            .to_json()
            .get(1)
            .and_then(|o| o.as_object())
            .map(|o| o.keys().map(|k| (k.clone(), Value::Null)).collect())
            .unwrap();
        for (k, v) in pairs {
            m.insert(k.into(), v);
        }
        Value::Map(m)
    }

    #[test]
    fn unknown_values_do_not_fail() {
        let (s, d) = read(&cfg(vec![
            ("region", Value::Unknown),
            ("endpoint", Value::Unknown),
        ]));
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            s.unknown,
            vec!["region".to_string(), "endpoint".to_string()]
        );
    }

    #[test]
    fn bad_values_point_at_their_attribute() {
        let (_, d) = read(&cfg(vec![
            ("max_concurrency", Value::int(0)),
            ("endpoint", "localhost:5000".into()),
        ]));
        let paths: Vec<String> = d.iter().map(|x| x.dotted_path()).collect();
        assert_eq!(paths, vec!["max_concurrency", "endpoint"]);
        let (_, d) = read(&cfg(vec![("access_key", "AKIA".into())]));
        assert_eq!(d[0].dotted_path(), "secret_key");
    }

    #[test]
    fn reads_settings() {
        let (s, d) = read(&cfg(vec![
            ("region", "eu-central-1".into()),
            ("max_retries", Value::int(3)),
            (
                "default_tags",
                Value::object([("owner", Value::from("platform"))]),
            ),
            (
                "endpoints",
                Value::List(vec![Value::object([(
                    "s3",
                    Value::from("http://127.0.0.1:1"),
                )])]),
            ),
        ]));
        assert!(d.is_empty());
        assert_eq!(s.region.as_deref(), Some("eu-central-1"));
        assert_eq!(s.max_retries, 3);
        assert_eq!(s.default_tags["owner"], "platform");
        assert_eq!(s.endpoints["s3"], "http://127.0.0.1:1");
    }
}
