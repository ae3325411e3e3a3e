//! Apply, destroy and read of an environment: the edge where the engine meets Terraform's
//! state. Turns the planned and prior state into the engine's inputs, and the engine's outcome
//! into the new state and diagnostics.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::apply::graph::{self, Ran, Status};
use crate::apply::retry::with_retry;
use crate::apply::{assigned, Attrs, Engine, Options, Outcome, Prior, Registry};
use crate::diag::Diagnostic;
use crate::environment::spec::{self, SpecOutcome};
use crate::environment::state;
use crate::topology::{self, Placement};
use crate::value::Value;

/// What every lifecycle step needs: the drivers, the engine's options, and where the
/// environment lives.
pub struct Setup {
    pub registry: Arc<dyn Registry>,
    pub opts: Options,
    pub placement: Placement,
    pub default_tags: BTreeMap<String, String>,
}

/// The result of an apply or destroy: the state to keep (Null when the environment is gone)
/// and what to tell the user.
pub struct Applied {
    pub state: Value,
    pub diagnostics: Vec<Diagnostic>,
}

fn summary(out: &Outcome) -> String {
    let c = &out.counts;
    format!(
        "{} created or adopted, {} updated in place, {} replaced, {} unchanged, {} deleted",
        c.created, c.updated, c.replaced, c.kept, c.deleted
    )
}

fn failure_diagnostics(out: &Outcome, verb: &str) -> Vec<Diagnostic> {
    let mut d: Vec<Diagnostic> = out
        .failures
        .iter()
        .map(|(address, e)| {
            Diagnostic::error(
                format!("Cannot {verb} {address}"),
                format!("{e}\n\nThe children done so far are kept in the state ({}); the next run resumes from there.", summary(out)),
            )
        })
        .collect();
    if out.stopped && d.is_empty() {
        d.push(Diagnostic::error(
            "Stopped",
            format!("Terraform asked the provider to stop; {} children were not started. The state records what exists ({}).", out.not_started.len(), summary(out)),
        ));
    }
    d
}

pub async fn apply(setup: &Setup, prior: &Value, planned: &Value) -> Applied {
    let engine = Engine::new(setup.registry.clone(), setup.opts.clone());
    let prior_state = if prior.is_null() {
        Prior::default()
    } else {
        state::prior_of(prior)
    };

    if planned.is_null() {
        let out = engine.destroy(&prior_state).await;
        tracing::info!(summary = %summary(&out), "destroyed the environment");
        if out.succeeded() && !out.stopped {
            return Applied {
                state: Value::Null,
                diagnostics: vec![],
            };
        }
        // Keep what is still there so that the next destroy finishes the job.
        let mut m = prior.as_map().cloned().unwrap_or_default();
        m.insert(
            "provisioned".into(),
            state::provisioned_value(&out.provisioned),
        );
        return Applied {
            state: Value::Map(m),
            diagnostics: failure_diagnostics(&out, "delete"),
        };
    }

    let spec = match spec::read(planned) {
        SpecOutcome::Ready(s) => s,
        SpecOutcome::Unknown => {
            return Applied {
                state: prior.clone(),
                diagnostics: vec![Diagnostic::error("The environment is not fully known", "Some argument is still unknown at apply time; this is a bug in the provider or in Terraform.")],
            }
        }
        SpecOutcome::Invalid(d) => return Applied { state: prior.clone(), diagnostics: d },
    };
    let topology = match topology::expand(&spec, &setup.placement, &setup.default_tags) {
        Ok(t) => t,
        Err(e) => {
            return Applied {
                state: prior.clone(),
                diagnostics: vec![Diagnostic::error(
                    "Cannot expand the environment",
                    e.to_string(),
                )],
            }
        }
    };
    let out = engine.apply(&topology, &prior_state).await;
    tracing::info!(summary = %summary(&out), failures = out.failures.len(), "applied the environment");
    let mut diagnostics = failure_diagnostics(&out, "create or update");
    if !out.not_provisioned.is_empty() {
        let list: Vec<String> = out
            .not_provisioned
            .iter()
            .map(|(a, why)| format!("  {a} ({why})"))
            .collect();
        diagnostics.push(Diagnostic::warning(
            format!("not provisioned: {} of {} children", out.not_provisioned.len(), topology.children.len()),
            format!("These children are planned (see `topology`) and judged, but apply left them out: their type is in the provider's skip_resource_types (or not provisioned by this version), or they depend on such a child:\n{}", list.join("\n")),
        ));
    }
    let state = state::after_apply(planned, &topology, &out);
    if let Err(e) = write_manifest(setup, &out, &state).await {
        diagnostics.push(Diagnostic::warning(
            "The environment's record was not written",
            format!("{e}. Everything was applied; only `terraform import` of this environment needs the record, and the next apply writes it again."),
        ));
    }
    Applied { state, diagnostics }
}

/// The environment's arguments, as the state holds them, in its logs bucket: what `import`
/// reads back.
async fn write_manifest(
    setup: &Setup,
    out: &Outcome,
    state: &Value,
) -> Result<(), crate::apply::CallError> {
    let opts = &setup.opts;
    let (Some(store), Some(bucket)) = (
        setup.registry.manifests(),
        out.provisioned
            .get(LOGS_BUCKET)
            .and_then(|a| a.get("bucket")),
    ) else {
        return Ok(());
    };
    let mut m = state.as_map().cloned().unwrap_or_default();
    m.insert("topology".into(), Value::Null);
    m.insert("provisioned".into(), Value::Null);
    let body = serde_json::to_vec(&Value::Map(m).to_json()).unwrap_or_default();
    with_retry(&opts.retry, LOGS_BUCKET, &opts.stop, || {
        store.put(bucket, body.clone())
    })
    .await
}

const LOGS_BUCKET: &str = "aws_s3_bucket.logs";

/// Children of one type read together (EC2 describe calls take up to 1,000 ids).
const READ_BATCH: usize = 100;

/// `terraform import`: the arguments from the environment's record, then every child found in
/// AWS by its tags or unique name. What is not found is created by the next apply.
/// The environments this account holds in the provider's region, found by the records their
/// logs buckets keep (`<id>-<region>-logs`), each with its arguments as recorded; filtered by
/// stage and name prefix (`terraform query`, the list resource).
pub async fn list(
    setup: &Setup,
    stage: Option<&str>,
    name_prefix: Option<&str>,
    ty: &crate::value::Type,
) -> Result<Vec<(String, Value)>, Vec<Diagnostic>> {
    let (registry, opts, placement) = (&setup.registry, &setup.opts, &setup.placement);
    let one = |summary: &str, detail: String| vec![Diagnostic::error(summary, detail)];
    let store = registry.manifests().ok_or_else(|| {
        one(
            "Cannot list environments",
            "no record store is configured".into(),
        )
    })?;
    let suffix = format!("-{}-logs", placement.region);
    let buckets = with_retry(&opts.retry, "list", &opts.stop, || store.buckets())
        .await
        .map_err(|e| one("Cannot list environments", e.to_string()))?;
    let mut out = Vec::new();
    for bucket in buckets {
        let Some(id) = bucket.strip_suffix(&suffix) else {
            continue;
        };
        let Some(body) = with_retry(&opts.retry, id, &opts.stop, || store.get(&bucket))
            .await
            .map_err(|e| {
                one(
                    "Cannot list environments",
                    format!("reading the record of s3://{bucket}: {e}"),
                )
            })?
        else {
            continue; // a bucket of that shape that is not an environment's
        };
        let Ok(args) = crate::codec::decode_state_json(&body, ty) else {
            continue;
        };
        let SpecOutcome::Ready(spec) = spec::read(&args) else {
            continue;
        };
        if stage.is_some_and(|s| s != spec.stage.as_str())
            || name_prefix.is_some_and(|p| !spec.name.starts_with(p))
        {
            continue;
        }
        // A record copied into another bucket claims the same environment twice: which is
        // real cannot be told from here, so neither is offered.
        if let Some((other, _)) = out.iter().find(|(_, a): &&(String, Value)| {
            a.get("name") == args.get("name") && a.get("stage") == args.get("stage")
        }) {
            return Err(one(
                "Two environments with one identity",
                format!(
                    "The logs buckets {other}{suffix} and {bucket} both record environment {}-{}: delete the stale record (its edulibra:record tags) from one of them.",
                    spec.name,
                    spec.stage.as_str()
                ),
            ));
        }
        out.push((id.to_string(), args));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

pub async fn import(
    setup: &Setup,
    id: &str,
    ty: &crate::value::Type,
) -> Result<Value, Vec<Diagnostic>> {
    let (registry, opts, placement) = (&setup.registry, &setup.opts, &setup.placement);
    let one = |summary: &str, detail: String| vec![Diagnostic::error(summary, detail)];
    let bucket = format!("{id}-{}-logs", placement.region);
    let store = registry
        .manifests()
        .ok_or_else(|| one("Cannot import", "no record store is configured".into()))?;
    let body = with_retry(&opts.retry, id, &opts.stop, || store.get(&bucket))
        .await
        .map_err(|e| one("Cannot import", format!("reading the record of s3://{bucket}: {e}")))?
        .ok_or_else(|| {
            one(
                "No such environment",
                format!("No environment `{id}` (the id is `<name>-<stage>`) was found in {}: its logs bucket {bucket} holds no record of it.", placement.region),
            )
        })?;
    let args = crate::codec::decode_state_json(&body, ty).map_err(|e| {
        one(
            "Cannot import",
            format!("the record in s3://{bucket} is not readable: {e}"),
        )
    })?;
    let spec = match spec::read(&args) {
        SpecOutcome::Ready(s) => s,
        _ => {
            return Err(one(
                "Cannot import",
                format!("the record in s3://{bucket} does not describe a valid environment"),
            ))
        }
    };
    let topology = topology::expand(&spec, placement, &setup.default_tags)
        .map_err(|e| one("Cannot import", e.to_string()))?;
    let blocked = crate::apply::kinds::blocked(&topology, &opts.skip);
    let mut out = Outcome::default();
    for c in &topology.children {
        if blocked.contains_key(&c.address) {
            continue;
        }
        let desired = c.resolve(&|a, k| assigned(&out.provisioned, a, k));
        if !desired.is_wholly_known() {
            continue; // something it refers to was not found
        }
        let values = desired.to_json().as_object().cloned().unwrap_or_default();
        let region = crate::apply::driver::child_region(Some(&desired)).map(str::to_string);
        let Some(driver) = registry.driver_in(c.kind, region.as_deref()) else {
            continue;
        };
        let d = crate::apply::Desired {
            address: &c.address,
            kind: c.kind,
            environment: id,
            values: &values,
        };
        let found = with_retry(&opts.retry, &c.address, &opts.stop, || driver.find(&d))
            .await
            .map_err(|e| one(&format!("Cannot look up {}", c.address), e.to_string()))?;
        if let Some(attrs) = found {
            tracing::info!(child = %c.address, "found for import");
            out.provisioned.insert(c.address.clone(), attrs);
            out.values.insert(c.address.clone(), desired);
        }
    }
    Ok(state::after_apply(&args, &topology, &out))
}

/// Reads every provisioned child back from AWS. A child that is gone leaves `provisioned` (the
/// next plan re-creates it); what a driver observes replaces the child's values in `topology`
/// (the next plan changes it back). Returns Null when every child is gone.
pub async fn read(setup: &Setup, current: &Value) -> Result<Value, Vec<Diagnostic>> {
    let (registry, opts) = (&setup.registry, &setup.opts);
    let prior = state::prior_of(current);
    if prior.provisioned.is_empty() {
        return Ok(current.clone());
    }
    // One batch per type (at most READ_BATCH children): drivers answer a batch with as few
    // describe calls as their API allows, and batches of different types run concurrently.
    let mut by_kind: BTreeMap<(&str, Option<&str>), Vec<&str>> = BTreeMap::new();
    for c in &prior.children {
        if prior.provisioned.contains_key(&c.address) {
            let region = crate::apply::driver::child_region(prior.values.get(&c.address));
            by_kind
                .entry((c.kind.as_str(), region))
                .or_default()
                .push(c.address.as_str());
        }
    }
    let batches: Vec<(String, Option<String>, Vec<String>)> = by_kind
        .iter()
        .flat_map(|((kind, region), addresses)| {
            addresses.chunks(READ_BATCH).map(|chunk| {
                (
                    kind.to_string(),
                    region.map(str::to_string),
                    chunk.iter().map(|a| a.to_string()).collect(),
                )
            })
        })
        .collect();
    let found: Arc<Mutex<BTreeMap<String, Option<serde_json::Map<String, serde_json::Value>>>>> =
        Arc::default();
    let deps = vec![Vec::new(); batches.len()];
    let names: Vec<String> = batches
        .iter()
        .map(|(kind, _, addresses)| format!("{kind} ({} children)", addresses.len()))
        .collect();
    let status = graph::run(&deps, &names, opts.max_concurrency, &opts.stop, |i| {
        let (kind, region, addresses) = batches[i].clone();
        let attrs: Vec<Attrs> = addresses
            .iter()
            .map(|a| prior.provisioned.get(a).cloned().unwrap_or_default())
            .collect();
        let (registry, found, opts) = (registry.clone(), found.clone(), opts.clone());
        async move {
            let Some(driver) = registry.driver_in(&kind, region.as_deref()) else {
                return Ok(Ran::Skipped(format!("{kind} has no driver")));
            };
            let seen = with_retry(&opts.retry, &kind, &opts.stop, || {
                driver.read(&kind, &attrs)
            })
            .await?;
            found
                .lock()
                .unwrap()
                .extend(addresses.into_iter().zip(seen));
            Ok(Ran::Done)
        }
    })
    .await;
    let errors: Vec<Diagnostic> = names
        .iter()
        .zip(&status)
        .filter_map(|(a, s)| match s {
            Status::Failed(e) => Some(Diagnostic::error(format!("Cannot read {a}"), e.to_string())),
            _ => None,
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let found = found.lock().unwrap().clone();
    let mut provisioned = prior.provisioned.clone();
    let mut gone = 0;
    for (address, seen) in &found {
        if seen.is_none() {
            tracing::info!(child = %address, "no longer exists in AWS");
            provisioned.remove(address);
            gone += 1;
        }
    }
    if gone > 0 && provisioned.is_empty() {
        return Ok(Value::Null);
    }
    let mut m = current.as_map().cloned().unwrap_or_default();
    let mut topology = crate::apply::kinds::plain(current.get("topology"));
    if let Value::List(entries) = &mut topology {
        for entry in entries.iter_mut() {
            let Value::Map(e) = entry else { continue };
            let Some(address) = e
                .get("address")
                .and_then(|a| a.as_str())
                .map(str::to_string)
            else {
                continue;
            };
            let Some(Some(seen)) = found.get(&address) else {
                continue;
            };
            if let Some(Value::Map(values)) = e.get_mut("values") {
                for (k, v) in seen {
                    let new = Value::from_json(v);
                    if values.get(k) != Some(&new) {
                        tracing::info!(child = %address, attribute = %k, "drifted from the applied value");
                    }
                    values.insert(k.clone(), new);
                }
            }
        }
    }
    m.insert("topology".into(), topology);
    m.insert("provisioned".into(), state::provisioned_value(&provisioned));
    Ok(Value::Map(m))
}
