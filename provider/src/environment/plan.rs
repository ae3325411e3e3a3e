//! PlanResourceChange for `edulibra_environment`: validate, fill the stage defaults, expand the
//! topology, and say what forces a replacement.

use std::collections::BTreeMap;

use crate::apply::assigned;
use crate::apply::kinds::{self, Action};
use crate::diag::{Diagnostic, Step};
use crate::environment::spec::{self, EnvironmentSpec, SpecOutcome};
use crate::environment::state;
use crate::topology::{self, Placement, Topology};
use crate::value::Value;

/// Arguments whose change replaces the whole environment: the names and the address space
/// every child is derived from.
pub const REPLACING_PATHS: &[&[&str]] = &[
    &["name"],
    &["stage"],
    &["network", "cidr_block"],
    &["network", "az_count"],
];

/// What the expansion needs besides the configuration.
#[derive(Clone, Debug)]
pub struct PlanContext {
    /// None when the provider configuration, the region or the account are not known yet.
    pub placement: Option<Placement>,
    pub default_tags: BTreeMap<String, String>,
    /// Child types apply leaves out (the provider's `skip_resource_types`).
    pub skip: std::collections::BTreeSet<String>,
}

pub struct Planned {
    pub state: Value,
    pub requires_replace: Vec<Vec<Step>>,
    pub diagnostics: Vec<Diagnostic>,
    pub topology: Option<Topology>,
}

pub fn validate(config: &Value) -> Vec<Diagnostic> {
    match spec::read(config) {
        SpecOutcome::Invalid(d) => d,
        _ => Vec::new(),
    }
}

fn at_path<'v>(v: &'v Value, path: &[&str]) -> &'v Value {
    path.iter().fold(v, |acc, k| acc.get(k))
}

/// The computed attributes that only AWS can fill, unknown until apply.
const AWS_COMPUTED: &[&str] = &[
    "vpc_id",
    "public_subnet_ids",
    "private_subnet_ids",
    "data_subnet_ids",
    "kms_key_arn",
    "cdn_domain_name",
    "api_endpoint",
    "database_endpoint",
    "database_secret_arn",
];

/// The replacing arguments whose new value (from `new`) differs from the prior state, or is
/// unknown; none for a creation.
fn replacing<'v>(prior: &Value, new: impl Fn(&[&str]) -> &'v Value) -> Vec<Vec<Step>> {
    if prior.is_null() {
        return vec![];
    }
    REPLACING_PATHS
        .iter()
        .filter(|p| {
            let n = new(p);
            n.is_unknown() || at_path(prior, p) != n
        })
        .map(|p| p.iter().map(|s| Step::Attr(s.to_string())).collect())
        .collect()
}

pub fn plan(ctx: &PlanContext, prior: &Value, proposed: &Value, config: &Value) -> Planned {
    let spec = match spec::read(config) {
        SpecOutcome::Invalid(diagnostics) => {
            return Planned {
                state: proposed.clone(),
                requires_replace: vec![],
                diagnostics,
                topology: None,
            }
        }
        SpecOutcome::Unknown => None,
        SpecOutcome::Ready(s) => Some(*s),
    };
    let mut planned = proposed.as_map().cloned().unwrap_or_default();

    let Some(spec) = spec else {
        // Some argument depends on another resource: everything derived waits for it. What the
        // configuration sets is compared; an unset optional+computed argument keeps its
        // proposed value.
        let requires_replace = replacing(prior, |p| match at_path(config, p) {
            Value::Null => at_path(proposed, p),
            set => set,
        });
        for k in ["id", "topology", "resource_count"]
            .iter()
            .chain(AWS_COMPUTED)
        {
            planned.insert(k.to_string(), Value::Unknown);
        }
        for k in ["site_bucket_name", "media_bucket_name", "logs_bucket_name"] {
            planned.insert(k.to_string(), Value::Unknown);
        }
        return Planned {
            state: Value::Map(planned),
            requires_replace,
            diagnostics: vec![],
            topology: None,
        };
    };
    spec::fill_defaults(&mut planned, &spec);
    // Compared with what is now planned: an argument the configuration no longer sets goes back
    // to its default, which may replace the environment.
    let now = Value::Map(planned.clone());
    let requires_replace = replacing(prior, |p| at_path(&now, p));

    let expanded = match &ctx.placement {
        Some(at) => match topology::expand(&spec, at, &ctx.default_tags) {
            Ok(t) => Some(t),
            Err(e) => {
                let d = Diagnostic::error("Cannot expand the environment", e.to_string())
                    .at(e.attribute());
                return Planned {
                    state: Value::Map(planned),
                    requires_replace,
                    diagnostics: vec![d],
                    topology: None,
                };
            }
        },
        None => None,
    };

    // With a prior state, each child is compared with what the state says exists in AWS (as
    // applied, then as last read): drift and in-place changes show here, per child.
    let changes = match (&expanded, prior.is_null() || !requires_replace.is_empty()) {
        (Some(t), false) => Some(kinds::changes(t, &state::prior_of(prior), &ctx.skip)),
        _ => None,
    };
    let unchanged = changes
        .as_ref()
        .is_some_and(|c| c.actions.values().all(|a| *a == Action::Keep))
        && same_spec(prior, &spec);
    if unchanged {
        // Keep what apply recorded (ids, ARNs, endpoints) so a second plan shows no change.
        return Planned {
            state: Value::Map(planned),
            requires_replace,
            diagnostics: vec![],
            topology: expanded,
        };
    }

    planned.insert("id".into(), Value::String(spec.prefix()));
    planned.insert("provisioned".into(), Value::Unknown);
    if let (Some(t), Some(changes)) = (&expanded, &changes) {
        planned.insert(
            "topology".into(),
            state::topology_value(t, &changes.desired, &BTreeMap::new()),
        );
        planned.insert("resource_count".into(), Value::int(t.children.len() as i64));
        let blocked = kinds::blocked(t, &ctx.skip);
        let output_lookup = |a: &str, k: &str| match assigned(&changes.staying, a, k) {
            Some(v) => Value::String(v),
            None if blocked.contains_key(a) || t.get(a).is_none() => Value::Null,
            None => Value::Unknown,
        };
        for (k, v) in state::outputs(t, &output_lookup) {
            planned.insert(k.to_string(), v);
        }
        return Planned {
            state: Value::Map(planned),
            requires_replace,
            diagnostics: replacements(changes),
            topology: expanded,
        };
    }
    match (&expanded, &ctx.placement) {
        (Some(t), Some(at)) => {
            planned.insert("topology".into(), t.to_plan_value());
            planned.insert("resource_count".into(), Value::int(t.children.len() as i64));
            for (k, purpose) in [
                ("site_bucket_name", "site"),
                ("media_bucket_name", "media"),
                ("logs_bucket_name", "logs"),
            ] {
                planned.insert(
                    k.into(),
                    Value::String(format!("{}-{}-{purpose}", spec.prefix(), at.region)),
                );
            }
        }
        _ => {
            for k in [
                "topology",
                "resource_count",
                "site_bucket_name",
                "media_bucket_name",
                "logs_bucket_name",
            ] {
                planned.insert(k.into(), Value::Unknown);
            }
        }
    }
    for k in AWS_COMPUTED {
        planned.insert(k.to_string(), Value::Unknown);
    }
    Planned {
        state: Value::Map(planned),
        requires_replace,
        diagnostics: vec![],
        topology: expanded,
    }
}

/// The children apply will delete and create again, said in the plan: the diff of `topology`
/// shows new values, not that an AWS resource (and its data) goes.
pub fn replacements(changes: &kinds::Changes) -> Vec<Diagnostic> {
    let replaced: Vec<String> = changes
        .actions
        .iter()
        .filter_map(|(address, a)| match a {
            Action::Replace(keys) => Some(format!("  {address} (changed: {})", keys.join(", "))),
            _ => None,
        })
        .collect();
    if replaced.is_empty() {
        return vec![];
    }
    vec![Diagnostic::warning(
        format!("{} children will be replaced", replaced.len()),
        format!(
            "These AWS resources cannot change in place; apply deletes each and creates it again:\n{}",
            replaced.join("\n")
        ),
    )]
}

/// True when the prior state was planned from the same inputs. The expansion is a pure function
/// of (spec, placement, default tags) and the last two come from this same provider process, so
/// equal specs mean an equal topology: no second expansion is needed.
fn same_spec(prior: &Value, spec: &EnvironmentSpec) -> bool {
    matches!(spec::read(prior), SpecOutcome::Ready(old) if *old == *spec)
}

/// What a destroy of the environment in `prior` (its state) will keep, or refuse to do: shown
/// in a destroy plan (Terraform sends one to providers that announce `plan_destroy`), so that
/// nothing kept comes as a surprise after the apply. Pure: read from the state alone.
pub fn destroy_notes(prior: &Value) -> Vec<Diagnostic> {
    let spec = match spec::read(prior) {
        SpecOutcome::Ready(s) => s,
        _ => return vec![],
    };
    let provisioned = prior.get("provisioned");
    let has = |address: &str| !provisioned.get(address).is_null();
    let mut kept = Vec::new();
    let mut refused = Vec::new();
    if has("aws_db_instance.main") {
        if spec.database.deletion_protection {
            refused.push(format!(
                "the database {}-db has deletion protection: set database.deletion_protection = false and apply first",
                spec.prefix()
            ));
        }
        let final_snapshot = prior
            .get("provisioned")
            .get("aws_db_instance.main")
            .get("skip_final_snapshot")
            .as_str()
            != Some("true");
        if final_snapshot {
            kept.push(format!(
                "a final snapshot of the database ({}-db-final-<time>), which RDS keeps until you delete it",
                spec.prefix()
            ));
        }
    }
    if has("aws_kms_key.main") && spec.stage != spec::Stage::Dev {
        kept.push(
            "the environment's KMS key (tagged edulibra:retain-on-destroy), which encrypts that snapshot and any recovery points: it costs 1 USD a month until you schedule its deletion".into(),
        );
    }
    if has("aws_backup_vault.main") && !spec.force_destroy {
        refused.push(
            "the backup vault is deleted only when empty (force_destroy is off): delete its recovery points, or set force_destroy = true and apply first".into(),
        );
    }
    if !spec.force_destroy {
        refused.push("buckets that hold objects are not emptied (force_destroy is off): destroy stops at the first that is not empty".into());
    }
    let mut out = Vec::new();
    if !kept.is_empty() {
        out.push(Diagnostic::warning(
            "Destroy keeps data",
            format!(
                "Destroying {} keeps:\n- {}",
                spec.prefix(),
                kept.join("\n- ")
            ),
        ));
    }
    if !refused.is_empty() {
        out.push(Diagnostic::warning(
            "Destroy will stop",
            format!(
                "Destroying {} will stop unless:\n- {}",
                spec.prefix(),
                refused.join("\n- ")
            ),
        ));
    }
    out
}
