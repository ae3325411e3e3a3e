//! Plan-time policy verdicts: the validator's rules run on the planned environment inside
//! `PlanResourceChange`, on the same JSON `terraform show -json` would give `edulibra-validate
//! check`, so a laptop plan shows the verdicts CI will give.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use edulibra_validate::eval::{self, Options, Status};
use edulibra_validate::plan as vplan;
use edulibra_validate::rules::RuleSet;
use edulibra_validate::waivers::Waivers;
use serde_json::{json, Map, Value as Json};

use crate::config::{Enforcement, PolicySettings};
use crate::diag::Diagnostic;
use crate::value::Value;

/// Where findings appear in the plan's own JSON: the environment's address is not known to the
/// provider, so the synthetic plan uses this one; findings are reported by child address.
const ENV_ADDRESS: &str = "edulibra_environment.this";

pub struct Gate {
    rules: Mutex<RuleSet>,
    waivers: Waivers,
    enforcement: Enforcement,
}

impl Gate {
    /// Loads the built-in rules, the reviewers' `policy_paths` and the waivers. None when off.
    pub fn load(settings: &PolicySettings) -> Result<Option<Gate>, Diagnostic> {
        if settings.enforcement == Enforcement::Off {
            return Ok(None);
        }
        let dirs: Vec<PathBuf> = settings.paths.iter().map(PathBuf::from).collect();
        let rules = RuleSet::load(true, &dirs, Duration::from_secs(20)).map_err(|e| {
            Diagnostic::error("Cannot load the policies", e.to_string()).at("policy_paths")
        })?;
        let waivers = match &settings.waivers_file {
            Some(p) => Waivers::load(std::path::Path::new(p)).map_err(|e| {
                Diagnostic::error("Cannot read the waivers", e.to_string()).at("waivers_file")
            })?,
            None => Waivers {
                items: vec![],
                today: edulibra_validate::waivers::today_utc(),
            },
        };
        Ok(Some(Gate {
            rules: Mutex::new(rules),
            waivers,
            enforcement: settings.enforcement,
        }))
    }

    /// The failing findings on a planned environment, as diagnostics at the argument that
    /// causes each. Findings that depend on values unknown at plan time are not reported.
    pub fn check(&self, planned: &Value) -> Vec<Diagnostic> {
        let (after, unknown) = render(planned);
        let plan_json = json!({
            "format_version": "1.0",
            "resource_changes": [{
                "address": ENV_ADDRESS, "mode": "managed", "type": "edulibra_environment", "name": "this",
                "change": {"actions": ["create"], "before": null, "after": after.unwrap_or(Json::Null), "after_unknown": unknown}
            }]
        });
        let plan = match vplan::from_value("plan", plan_json) {
            Ok(p) => p,
            Err(e) => {
                return vec![Diagnostic::error(
                    "Policy check failed",
                    format!("the planned environment could not be read as a plan: {e}"),
                )]
            }
        };
        let mut rules = match self.rules.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        let report = match eval::evaluate(
            &mut rules,
            &[plan],
            &self.waivers,
            &Options {
                only_changes: false,
                ..Default::default()
            },
        ) {
            Ok(r) => r,
            // The gate fails closed: a rule that cannot run is an error whatever the enforcement.
            Err(e) => return vec![Diagnostic::error("Policy check failed", e.to_string())],
        };
        let prefix = format!("{ENV_ADDRESS}/");
        report
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail)
            .map(|f| {
                let child = f.resource.strip_prefix(&prefix).unwrap_or(&f.resource);
                let summary = format!("{}: {}", f.rule_id, f.title);
                let detail = format!(
                    "{}\n\nFix: {}\n\nSeverity {}, category {}. Waive it with a reason in the provider's waivers_file, or see `edulibra-validate explain {}`.",
                    f.message.replace(&prefix, ""),
                    f.remediation,
                    f.severity,
                    f.category,
                    f.rule_id
                );
                let d = match self.enforcement {
                    Enforcement::Strict => Diagnostic::error(summary, detail),
                    _ => Diagnostic::warning(summary, detail),
                };
                match edulibra_validate::environment::argument_for(&f.rule_id, &f.category, &f.resource_type) {
                    Some(path) => d.at(path),
                    None => d,
                }
                .with_child(child)
            })
            .collect()
    }
}

impl Diagnostic {
    /// Names the AWS resource in the summary, where Terraform users look first.
    fn with_child(mut self, child: &str) -> Diagnostic {
        self.summary = format!("{} ({child})", self.summary);
        self
    }
}

/// A value as `terraform show -json` renders it: `after` (None when wholly unknown; unknowns
/// omitted from objects, null in lists) and the `after_unknown` marks.
pub fn render(v: &Value) -> (Option<Json>, Json) {
    match v.inner() {
        Value::Unknown => (None, Json::Bool(true)),
        Value::Map(m) => {
            let mut after = Map::new();
            let mut marks = Map::new();
            for (k, x) in m {
                let (a, u) = render(x);
                if let Some(a) = a {
                    after.insert(k.clone(), a);
                }
                if u != Json::Bool(false) {
                    marks.insert(k.clone(), u);
                }
            }
            (Some(Json::Object(after)), Json::Object(marks))
        }
        Value::List(items) => {
            let (after, marks): (Vec<Json>, Vec<Json>) = items
                .iter()
                .map(|x| {
                    let (a, u) = render(x);
                    (a.unwrap_or(Json::Null), u)
                })
                .unzip();
            (Some(Json::Array(after)), Json::Array(marks))
        }
        other => (Some(other.to_json()), Json::Bool(false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_terraform_show_json() {
        let v = Value::object([
            ("a", Value::Unknown),
            ("b", Value::from("x")),
            ("l", Value::List(vec![Value::Unknown, Value::int(1)])),
            ("m", Value::object([("k", Value::from("v"))])),
        ]);
        let (after, marks) = render(&v);
        assert_eq!(
            after.unwrap(),
            json!({"b": "x", "l": [null, 1], "m": {"k": "v"}})
        );
        assert_eq!(marks, json!({"a": true, "l": [true, false], "m": {}}));
    }
}
