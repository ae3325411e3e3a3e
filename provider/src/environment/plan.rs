//! PlanResourceChange for `edulibra_environment`: validate, fill the stage defaults, expand the
//! topology, and say what forces a replacement.

use std::collections::BTreeMap;

use crate::apply::kinds::{self, Action};
use crate::apply::{assigned, Attrs, Prior};
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

    let requires_replace: Vec<Vec<Step>> = if prior.is_null() {
        vec![]
    } else {
        REPLACING_PATHS
            .iter()
            .filter(|p| {
                let new = at_path(config, p);
                // An unset optional+computed argument keeps its planned default: compare with it.
                let new = if new.is_null() {
                    at_path(proposed, p)
                } else {
                    new
                };
                new.is_unknown() || at_path(prior, p) != new
            })
            .map(|p| p.iter().map(|s| Step::Attr(s.to_string())).collect())
            .collect()
    };

    let Some(spec) = spec else {
        // Some argument depends on another resource: everything derived waits for it.
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

    let expanded = match &ctx.placement {
        Some(at) => match topology::expand(&spec, at, &ctx.default_tags) {
            Ok(t) => Some(t),
            Err(e) => {
                let d = Diagnostic::error("Cannot expand the environment", e.to_string())
                    .at("network.cidr_block");
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
        (Some(t), false) => Some(child_changes(t, &state::prior_of(prior))),
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
        let blocked = kinds::blocked(t);
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
            diagnostics: vec![],
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

/// The same decisions the engine takes, made here so the plan shows them. Children come in a
/// topological order, so each one's references are decided before it.
pub fn child_changes(t: &Topology, prior: &Prior) -> Changes {
    let blocked = kinds::blocked(t);
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
            let action = kinds::decide(child.kind, &desired, before);
            if matches!(action, Action::Keep | Action::Update(_)) {
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

/// True when the prior state was planned from the same inputs. The expansion is a pure function
/// of (spec, placement, default tags) and the last two come from this same provider process, so
/// equal specs mean an equal topology: no second expansion is needed.
fn same_spec(prior: &Value, spec: &EnvironmentSpec) -> bool {
    matches!(spec::read(prior), SpecOutcome::Ready(old) if *old == *spec)
}
