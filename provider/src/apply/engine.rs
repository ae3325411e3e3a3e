//! Applies and destroys a topology: the decisions (`kinds`), the scheduling (`graph`) and the
//! retries (`retry`), over whatever drivers the registry holds.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use super::driver::{assigned, Attrs, CallError, Desired, Registry};
use super::graph::{self, Ran, Status};
use super::kinds::{self, Action};
use super::retry::{with_retry, with_retry_creating, RetryPolicy};
use crate::topology::{Child, Topology};
use crate::value::Value;

#[derive(Clone)]
pub struct Options {
    /// The environment's id (`<name>-<stage>`).
    pub environment: String,
    pub max_concurrency: usize,
    pub retry: RetryPolicy,
    pub stop: watch::Receiver<bool>,
    /// Child types left out (the provider's `skip_resource_types`).
    pub skip: BTreeSet<String>,
}

// What the state held lives with the decisions made from it (`kinds`), which the engine carries
// out: the engine depends on `kinds`, never the other way round.
pub use super::kinds::{Prior, PriorChild};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub replaced: usize,
    pub kept: usize,
    pub deleted: usize,
}

#[derive(Debug, Default)]
pub struct Outcome {
    /// Every child that exists in AWS after the run, with what AWS assigned to it.
    pub provisioned: BTreeMap<String, Attrs>,
    /// The values each existing child has in AWS now (applied, or unchanged from the prior).
    pub values: BTreeMap<String, Value>,
    /// Children left alone, with the reason ("not provisioned by this version", "waits for").
    pub not_provisioned: Vec<(String, String)>,
    /// Children whose AWS calls failed.
    pub failures: Vec<(String, CallError)>,
    /// Children not started because of a failure or a stop request.
    pub not_started: Vec<String>,
    pub stopped: bool,
    pub counts: Counts,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty() && self.not_started.is_empty()
    }
}

struct Shared {
    provisioned: Mutex<BTreeMap<String, Attrs>>,
    values: Mutex<BTreeMap<String, Value>>,
    counts: Mutex<Counts>,
    /// Replaced children of the kinds created before their old resource is destroyed
    /// (`kinds::CREATE_BEFORE_DESTROY`): the old ones, deleted once the rest is in place.
    retired: Mutex<Vec<(String, String, Attrs, Option<String>)>>,
}

impl Shared {
    /// Starts from what the state holds (`finish` keeps only the values of children that
    /// still exist).
    fn of(prior: &Prior) -> Arc<Shared> {
        Arc::new(Shared {
            provisioned: Mutex::new(prior.provisioned.clone()),
            values: Mutex::new(prior.values.clone()),
            counts: Mutex::new(Counts::default()),
            retired: Mutex::new(Vec::new()),
        })
    }
}

pub struct Engine {
    registry: Arc<dyn Registry>,
    opts: Options,
}

impl Engine {
    pub fn new(registry: Arc<dyn Registry>, opts: Options) -> Engine {
        Engine { registry, opts }
    }

    /// Brings AWS to `desired`: children created, adopted, changed or replaced as `kinds`
    /// decides, then children the prior state holds but `desired` no longer has are deleted.
    pub async fn apply(&self, desired: &Topology, prior: &Prior) -> Outcome {
        // Children that cannot change in place go first, dependents before what they use (a
        // subnet cannot be deleted while its NAT gateway is in it); then they are created again
        // like new ones.
        let replace: Vec<PriorChild> = {
            let changes = kinds::changes(desired, prior, &self.opts.skip);
            prior
                .children
                .iter()
                .filter(|c| matches!(changes.actions.get(&c.address), Some(Action::Replace(_))))
                // Those created before the old one goes (under a new name) are not deleted here.
                .filter(|c| {
                    let new_name = desired
                        .get(&c.address)
                        .and_then(|d| d.value("name"))
                        .and_then(|v| match v {
                            crate::topology::V::Str(s) => Some(s.as_str()),
                            _ => None,
                        });
                    !created_first(&c.kind, new_name, prior.provisioned.get(&c.address))
                })
                .cloned()
                .collect()
        };
        if !replace.is_empty() {
            let shared = Shared::of(prior);
            tracing::info!(children = replace.len(), "deleting the children to replace");
            let (failures, not_started) = self.delete_all(&replace, &shared).await;
            let mut rest = prior.clone();
            for c in &replace {
                rest.provisioned.remove(&c.address);
            }
            if !failures.is_empty() || !not_started.is_empty() {
                let mut out = Outcome {
                    failures,
                    not_started,
                    stopped: *self.opts.stop.borrow(),
                    ..Outcome::default()
                };
                out.not_started
                    .extend(desired.children.iter().map(|c| c.address.clone()));
                return finish(out, &shared);
            }
            let mut out = Box::pin(self.apply(desired, &rest)).await;
            let n = replace.len();
            out.counts.replaced += n;
            out.counts.created = out.counts.created.saturating_sub(n);
            return out;
        }
        let blocked = kinds::blocked(desired, &self.opts.skip);
        let shared = Shared::of(prior);
        let index: BTreeMap<&str, usize> = desired
            .children
            .iter()
            .enumerate()
            .map(|(i, c)| (c.address.as_str(), i))
            .collect();
        let deps: Vec<Vec<usize>> = desired
            .children
            .iter()
            .map(|c| {
                c.depends_on
                    .iter()
                    .filter_map(|d| index.get(d.as_str()).copied())
                    .collect()
            })
            .collect();
        let names: Vec<String> = desired.children.iter().map(|c| c.address.clone()).collect();

        let status = graph::run(
            &deps,
            &names,
            self.opts.max_concurrency,
            &self.opts.stop,
            |i| {
                let child = desired.children[i].clone();
                let why_blocked = blocked.get(&child.address).cloned();
                let prior_attrs = prior.provisioned.get(&child.address).cloned();
                let prior_value = prior.values.get(&child.address).cloned();
                let (registry, shared, opts) =
                    (self.registry.clone(), shared.clone(), self.opts.clone());
                async move {
                    if let Some(why) = why_blocked {
                        return Ok(Ran::Skipped(why));
                    }
                    apply_child(&*registry, &shared, &opts, &child, prior_attrs, prior_value).await
                }
            },
        )
        .await;

        let mut out = Outcome::default();
        for (c, s) in desired.children.iter().zip(status) {
            match s {
                Status::Done => {}
                Status::Skipped(why) | Status::Blocked(why) => {
                    out.not_provisioned.push((c.address.clone(), why))
                }
                Status::Failed(e) => out.failures.push((c.address.clone(), e)),
                Status::NotStarted => out.not_started.push(c.address.clone()),
            }
        }
        out.stopped = *self.opts.stop.borrow();

        // Children of the prior topology that are no longer wanted go once the rest is in place,
        // so nothing still in use is removed first; so do the old resources of children
        // replaced by creating the new one first.
        if out.succeeded() {
            let retired = std::mem::take(&mut *shared.retired.lock().unwrap());
            for (address, kind, attrs, region) in retired {
                let Some(driver) = self.registry.driver_in(&kind, region.as_deref()) else {
                    continue;
                };
                tracing::info!(child = %address, "replaced: deleting the old resource, now unused");
                match with_retry(&self.opts.retry, &address, &self.opts.stop, || {
                    driver.delete(&kind, &attrs)
                })
                .await
                {
                    Ok(()) => {}
                    Err(e) if e.is_not_found() => {}
                    Err(e) => out.failures.push((address, e)),
                }
            }
        }
        if out.succeeded() {
            let wanted: BTreeSet<&str> = index.keys().copied().collect();
            let gone: Vec<PriorChild> = prior
                .children
                .iter()
                .filter(|c| !wanted.contains(c.address.as_str()))
                .cloned()
                .collect();
            if !gone.is_empty() {
                let (failures, not_started) = self.delete_all(&gone, &shared).await;
                out.failures.extend(failures);
                out.not_started.extend(not_started);
            }
        }
        finish(out, &shared)
    }

    /// Deletes every provisioned child of the prior state, dependents before what they use.
    pub async fn destroy(&self, prior: &Prior) -> Outcome {
        let shared = Shared::of(prior);
        let mut out = Outcome::default();
        let (failures, not_started) = self.delete_all(&prior.children, &shared).await;
        out.failures = failures;
        out.not_started = not_started;
        out.stopped = *self.opts.stop.borrow();
        finish(out, &shared)
    }

    async fn delete_all(
        &self,
        children: &[PriorChild],
        shared: &Arc<Shared>,
    ) -> (Vec<(String, CallError)>, Vec<String>) {
        let index: BTreeMap<&str, usize> = children
            .iter()
            .enumerate()
            .map(|(i, c)| (c.address.as_str(), i))
            .collect();
        // Reverse edges: a child is deleted after everything that depends on it.
        let mut deps: Vec<Vec<usize>> = vec![Vec::new(); children.len()];
        for (i, c) in children.iter().enumerate() {
            for d in &c.depends_on {
                if let Some(&j) = index.get(d.as_str()) {
                    deps[j].push(i);
                }
            }
        }
        let names: Vec<String> = children.iter().map(|c| c.address.clone()).collect();
        let status = graph::run(
            &deps,
            &names,
            self.opts.max_concurrency,
            &self.opts.stop,
            |i| {
                let child = children[i].clone();
                let (registry, shared, opts) =
                    (self.registry.clone(), shared.clone(), self.opts.clone());
                async move { delete_child(&*registry, &shared, &opts, &child).await }
            },
        )
        .await;
        let mut failures = Vec::new();
        let mut not_started = Vec::new();
        for (c, s) in children.iter().zip(status) {
            match s {
                Status::Failed(e) => failures.push((c.address.clone(), e)),
                Status::Blocked(_) | Status::NotStarted => not_started.push(c.address.clone()),
                Status::Done | Status::Skipped(_) => {}
            }
        }
        (failures, not_started)
    }
}

fn finish(mut out: Outcome, shared: &Shared) -> Outcome {
    out.provisioned = shared.provisioned.lock().unwrap().clone();
    let values = shared.values.lock().unwrap();
    out.values = values
        .iter()
        .filter(|(a, _)| out.provisioned.contains_key(*a))
        .map(|(a, v)| (a.clone(), v.clone()))
        .collect();
    out.counts = shared.counts.lock().unwrap().clone();
    out
}

/// True when a replacement of a child of `kind` creates the new resource first: its kind allows
/// it and its new name differs from the old (both must exist together for a while).
fn created_first(kind: &str, new_name: Option<&str>, old: Option<&Attrs>) -> bool {
    let old_name = old.and_then(|a| a.get("name")).map(String::as_str);
    kinds::CREATE_BEFORE_DESTROY.contains(&kind) && new_name.is_some() && new_name != old_name
}

async fn apply_child(
    registry: &dyn Registry,
    shared: &Shared,
    opts: &Options,
    child: &Child,
    prior_attrs: Option<Attrs>,
    prior_value: Option<Value>,
) -> Result<Ran, CallError> {
    let desired = {
        let provisioned = shared.provisioned.lock().unwrap();
        child.resolve(&|a, k| assigned(&provisioned, a, k))
    };
    if !desired.is_wholly_known() {
        return Err(CallError::bad_value(
            &child.address,
            "values",
            "refer to an attribute that the child it depends on did not report",
        ));
    }
    let action = kinds::decide(
        child.kind,
        &desired,
        prior_attrs.as_ref().and(prior_value.as_ref()),
    );
    let json = desired.to_json();
    let values = json.as_object().cloned().unwrap_or_default();
    let region = super::driver::child_region(Some(&desired)).map(str::to_string);
    let Some(driver) = registry.driver_in(child.kind, region.as_deref()) else {
        return Ok(Ran::Skipped(format!("{} has no driver", child.kind)));
    };
    let d = Desired {
        address: &child.address,
        kind: child.kind,
        environment: &opts.environment,
        values: &values,
    };
    let label = child.address.as_str();
    let attrs = match (&action, &prior_attrs) {
        (Action::Keep, Some(a)) => {
            shared.counts.lock().unwrap().kept += 1;
            a.clone()
        }
        (Action::Update(keys), Some(a)) => {
            tracing::info!(child = label, changes = ?keys, "updating in place");
            let attrs = with_retry(&opts.retry, label, &opts.stop, || {
                driver.ensure(&d, Some(a))
            })
            .await?;
            shared.counts.lock().unwrap().updated += 1;
            attrs
        }
        // `apply` deletes what `kinds::changes` says to replace before anything starts; a child
        // whose decision changes while the run resolves its references is replaced here.
        // The new name must differ from the old for both to exist together; when the name's
        // hash happens to be the same, the child is replaced the ordinary way below.
        (Action::Replace(keys), Some(a))
            if created_first(child.kind, d.opt_str("name"), Some(a)) =>
        {
            // The new resource (under a new name) first; what uses the old one moves to it as
            // its dependents apply, and the old one goes at the end (see `apply`).
            tracing::info!(child = label, because = ?keys, "replacing: creating the new resource before deleting the old");
            let attrs =
                with_retry_creating(&opts.retry, label, &opts.stop, || driver.ensure(&d, None))
                    .await?;
            shared.retired.lock().unwrap().push((
                child.address.clone(),
                child.kind.to_string(),
                a.clone(),
                super::driver::child_region(prior_value.as_ref()).map(str::to_string),
            ));
            shared.counts.lock().unwrap().replaced += 1;
            attrs
        }
        (Action::Replace(keys), Some(a)) => {
            tracing::info!(child = label, because = ?keys, "replacing: deleting the old resource");
            // The old resource lives where the state says, which may not be where the new goes.
            let old = registry
                .driver_in(
                    child.kind,
                    super::driver::child_region(prior_value.as_ref()),
                )
                .unwrap_or(driver);
            let gone =
                with_retry(&opts.retry, label, &opts.stop, || old.delete(child.kind, a)).await;
            match gone {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
            shared.provisioned.lock().unwrap().remove(&child.address);
            tracing::info!(child = label, "replacing: creating the new resource");
            let attrs =
                with_retry_creating(&opts.retry, label, &opts.stop, || driver.ensure(&d, None))
                    .await?;
            shared.counts.lock().unwrap().replaced += 1;
            attrs
        }
        _ => {
            tracing::info!(
                child = label,
                kind = child.kind,
                "creating (or adopting the tagged resource)"
            );
            let attrs =
                with_retry_creating(&opts.retry, label, &opts.stop, || driver.ensure(&d, None))
                    .await?;
            shared.counts.lock().unwrap().created += 1;
            attrs
        }
    };
    tracing::info!(
        child = label,
        id = attrs.get("id").map(String::as_str).unwrap_or(""),
        "ready"
    );
    shared
        .provisioned
        .lock()
        .unwrap()
        .insert(child.address.clone(), attrs);
    shared
        .values
        .lock()
        .unwrap()
        .insert(child.address.clone(), desired);
    Ok(Ran::Done)
}

async fn delete_child(
    registry: &dyn Registry,
    shared: &Shared,
    opts: &Options,
    child: &PriorChild,
) -> Result<Ran, CallError> {
    let attrs = shared
        .provisioned
        .lock()
        .unwrap()
        .get(&child.address)
        .cloned();
    let Some(attrs) = attrs else {
        return Ok(Ran::Done); // never created
    };
    let region = shared
        .values
        .lock()
        .unwrap()
        .get(&child.address)
        .and_then(|v| super::driver::child_region(Some(v)).map(str::to_string));
    let Some(driver) = registry.driver_in(&child.kind, region.as_deref()) else {
        return Ok(Ran::Skipped(format!("{} has no driver", child.kind)));
    };
    let label = child.address.as_str();
    tracing::info!(child = label, "deleting and waiting until it is gone");
    match with_retry(&opts.retry, label, &opts.stop, || {
        driver.delete(&child.kind, &attrs)
    })
    .await
    {
        Ok(()) => {}
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(e),
    }
    shared.provisioned.lock().unwrap().remove(&child.address);
    shared.values.lock().unwrap().remove(&child.address);
    shared.counts.lock().unwrap().deleted += 1;
    tracing::info!(child = label, "deleted");
    Ok(Ran::Done)
}
