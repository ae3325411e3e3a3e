//! The apply engine over an in-memory cloud: decisions, partial state on failure, resumption,
//! and delete order, without AWS.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use edulibra_provider::apply::driver::Fut;
use edulibra_provider::apply::engine::PriorChild;
use edulibra_provider::apply::kinds::Action;
use edulibra_provider::apply::retry::RetryPolicy;
use edulibra_provider::apply::{
    kinds, Attrs, CallError, Desired, Driver, Engine, ErrorClass, Options, Outcome, Prior, Registry,
};
use edulibra_provider::environment::lifecycle::{self, Setup};
use edulibra_provider::environment::plan;
use edulibra_provider::environment::spec::{self, SpecOutcome};
use edulibra_provider::environment::state::after_apply;
use edulibra_provider::topology::{expand, Topology};
use edulibra_provider::value::Value;
use serde_json::{json, Map, Value as Json};

/// A cloud that remembers resources by child address and can be told to fail one of them.
#[derive(Default)]
struct FakeCloud {
    resources: Mutex<BTreeMap<String, Attrs>>,
    created: Mutex<usize>,
    deleted: Mutex<Vec<String>>,
    fail_on: Mutex<Option<String>>,
    /// (type, children) of every batch read.
    reads: Mutex<Vec<(String, usize)>>,
    /// "ensure KEY" and "delete KEY", in the order they happened.
    events: Mutex<Vec<String>>,
}

/// Where the fake keeps a child: by address, and a target group also by its name (as AWS finds
/// one), so a replacement under a new name is a second resource beside the first.
fn key_of(d: &Desired<'_>) -> String {
    match (d.kind, d.opt_str("name")) {
        ("aws_lb_target_group", Some(name)) => format!("{}#{name}", d.address),
        _ => d.address.to_string(),
    }
}

impl Driver for FakeCloud {
    fn find<'a>(&'a self, d: &'a Desired<'a>) -> Fut<'a, Option<Attrs>> {
        Box::pin(async move { Ok(self.resources.lock().unwrap().get(&key_of(d)).cloned()) })
    }
    fn ensure<'a>(&'a self, d: &'a Desired<'a>, _existing: Option<&'a Attrs>) -> Fut<'a, Attrs> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            if self.fail_on.lock().unwrap().as_deref() == Some(d.address) {
                return Err(CallError::new(
                    "Create",
                    "AccessDenied",
                    "injected",
                    ErrorClass::Permanent,
                ));
            }
            let key = key_of(d);
            self.events.lock().unwrap().push(format!("ensure {key}"));
            let mut r = self.resources.lock().unwrap();
            if let Some(a) = r.get(&key) {
                return Ok(a.clone());
            }
            // Ids are never reused, as in AWS.
            let n = {
                let mut created = self.created.lock().unwrap();
                *created += 1;
                *created
            };
            // Every attribute a child of the topology refers to.
            let a: Attrs = [
                "id",
                "arn",
                "arn_suffix",
                "name",
                "key_id",
                "dns_name",
                "domain_name",
                "execution_arn",
                "function_name",
                "resource_id",
                "stage_name",
                "user_group_id",
                "user_id",
            ]
            .iter()
            .map(|k| (k.to_string(), format!("{k}-{n}")))
            .collect();
            r.insert(key, a.clone());
            Ok(a)
        })
    }
    fn read_one<'a>(&'a self, _kind: &'a str, a: &'a Attrs) -> Fut<'a, Option<Map<String, Json>>> {
        Box::pin(async move {
            let exists = self.resources.lock().unwrap().values().any(|x| x == a);
            Ok(exists.then(Map::new))
        })
    }
    fn read<'a>(
        &'a self,
        kind: &'a str,
        batch: &'a [Attrs],
    ) -> Fut<'a, Vec<Option<Map<String, Json>>>> {
        Box::pin(async move {
            self.reads
                .lock()
                .unwrap()
                .push((kind.to_string(), batch.len()));
            let mut out = Vec::new();
            for a in batch {
                out.push(self.read_one(kind, a).await?);
            }
            Ok(out)
        })
    }
    fn delete<'a>(&'a self, _kind: &'a str, a: &'a Attrs) -> Fut<'a, ()> {
        Box::pin(async move {
            let mut r = self.resources.lock().unwrap();
            let address = r.iter().find(|(_, x)| *x == a).map(|(k, _)| k.clone());
            if let Some(address) = address {
                r.remove(&address);
                self.events
                    .lock()
                    .unwrap()
                    .push(format!("delete {address}"));
                self.deleted.lock().unwrap().push(address);
            }
            Ok(())
        })
    }
}

struct FakeRegistry(Arc<FakeCloud>);
impl Registry for FakeRegistry {
    fn driver(&self, kind: &str) -> Option<&dyn Driver> {
        kinds::provisioned(kind).then_some(&*self.0 as &dyn Driver)
    }
}

fn topology() -> Topology {
    let s = match spec::read(&common::env_config(
        json!({"name": "edulibra", "stage": "prod", "compute": "containers"}),
    )) {
        SpecOutcome::Ready(s) => *s,
        _ => panic!("valid spec"),
    };
    expand(&s, &common::frankfurt(), &BTreeMap::new()).unwrap()
}

fn engine(cloud: &Arc<FakeCloud>) -> Engine {
    let (tx, stop) = tokio::sync::watch::channel(false);
    std::mem::forget(tx);
    Engine::new(
        Arc::new(FakeRegistry(cloud.clone())),
        Options {
            environment: "edulibra-prod".into(),
            max_concurrency: 4,
            retry: RetryPolicy {
                retries: 2,
                base: Duration::from_millis(1),
                cap: Duration::from_millis(2),
                ..RetryPolicy::default()
            },
            stop,
            skip: Default::default(),
        },
    )
}

fn prior_from(t: &Topology, out: &Outcome) -> Prior {
    Prior {
        provisioned: out.provisioned.clone(),
        values: out.values.clone(),
        children: t
            .children
            .iter()
            .map(|c| PriorChild {
                address: c.address.clone(),
                kind: c.kind.to_string(),
                depends_on: c.depends_on.iter().cloned().collect(),
            })
            .collect(),
    }
}

#[tokio::test]
async fn apply_creates_what_it_can_then_a_second_apply_keeps_everything() {
    let t = topology();
    let cloud = Arc::new(FakeCloud::default());
    let out = engine(&cloud).apply(&t, &Prior::default()).await;
    assert!(out.succeeded(), "{:?}", out.failures);
    let blocked = kinds::blocked(&t, &Default::default());
    assert_eq!(out.provisioned.len(), t.children.len() - blocked.len());
    assert_eq!(
        out.not_provisioned.len(),
        blocked.len(),
        "every child left alone is reported"
    );
    assert_eq!(*cloud.created.lock().unwrap(), out.provisioned.len());

    let again = engine(&cloud).apply(&t, &prior_from(&t, &out)).await;
    assert_eq!(again.counts.kept, out.provisioned.len());
    assert_eq!(
        again.counts.created + again.counts.updated + again.counts.replaced,
        0
    );
    assert_eq!(again.provisioned, out.provisioned);
}

#[tokio::test]
async fn a_failure_returns_the_partial_state_and_the_next_apply_resumes() {
    let t = topology();
    let cloud = Arc::new(FakeCloud::default());
    *cloud.fail_on.lock().unwrap() = Some("aws_vpc.main".into());
    let out = engine(&cloud).apply(&t, &Prior::default()).await;
    assert_eq!(out.failures.len(), 1);
    assert_eq!(out.failures[0].0, "aws_vpc.main");
    assert!(
        !out.provisioned.contains_key("aws_subnet.public[0]"),
        "dependents never started"
    );
    assert_eq!(
        out.provisioned.len(),
        cloud.resources.lock().unwrap().len(),
        "the state names every created child"
    );

    *cloud.fail_on.lock().unwrap() = None;
    let before = *cloud.created.lock().unwrap();
    let done = engine(&cloud).apply(&t, &prior_from(&t, &out)).await;
    assert!(done.succeeded());
    assert_eq!(
        done.counts.kept,
        out.provisioned.len(),
        "what was created is kept"
    );
    assert_eq!(*cloud.created.lock().unwrap() - before, done.counts.created);
    assert_eq!(
        done.provisioned.len(),
        t.children.len() - kinds::blocked(&t, &Default::default()).len()
    );
}

#[tokio::test]
async fn destroy_deletes_dependents_before_what_they_use() {
    let t = topology();
    let cloud = Arc::new(FakeCloud::default());
    let out = engine(&cloud).apply(&t, &Prior::default()).await;
    let gone = engine(&cloud).destroy(&prior_from(&t, &out)).await;
    assert!(gone.succeeded());
    assert!(gone.provisioned.is_empty());
    assert!(cloud.resources.lock().unwrap().is_empty());
    let order = cloud.deleted.lock().unwrap().clone();
    let pos: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, a)| (a.as_str(), i))
        .collect();
    for c in &t.children {
        for d in &c.depends_on {
            if let (Some(a), Some(b)) = (pos.get(c.address.as_str()), pos.get(d.as_str())) {
                assert!(a < b, "{} was deleted after {d}, which it uses", c.address);
            }
        }
    }
}

#[tokio::test]
async fn read_asks_each_type_in_one_batch_and_drops_what_is_gone() {
    let t = topology();
    let cloud = Arc::new(FakeCloud::default());
    let out = engine(&cloud).apply(&t, &Prior::default()).await;
    let base =
        common::env_config(json!({"name": "edulibra", "stage": "prod", "compute": "containers"}));
    let state = after_apply(&base, &t, &out);
    // A subnet deleted behind Terraform's back.
    cloud
        .resources
        .lock()
        .unwrap()
        .remove("aws_subnet.private[1]");

    let (_tx, stop) = tokio::sync::watch::channel(false);
    let setup = Setup {
        registry: Arc::new(FakeRegistry(cloud.clone())),
        opts: Options {
            environment: "edulibra-prod".into(),
            max_concurrency: 4,
            retry: RetryPolicy::default(),
            stop,
            skip: Default::default(),
        },
        placement: common::frankfurt(),
        default_tags: BTreeMap::new(),
    };
    let read = lifecycle::read(&setup, &state).await.unwrap();
    let reads = cloud.reads.lock().unwrap().clone();
    // One batch per type and region (what CloudFront needs lives in us-east-1).
    let types: std::collections::BTreeSet<(&str, String)> = out
        .provisioned
        .keys()
        .map(|a| {
            let c = t.get(a).unwrap();
            let region = match c.value("region") {
                Some(edulibra_provider::topology::V::Str(r)) => r.clone(),
                other => panic!("{a} has no region: {other:?}"),
            };
            (c.kind, region)
        })
        .collect();
    assert_eq!(
        reads.len(),
        types.len(),
        "one batch per type and region: {reads:?}"
    );
    assert_eq!(
        reads.iter().map(|(_, n)| n).sum::<usize>(),
        out.provisioned.len()
    );
    let subnets = reads.iter().find(|(k, _)| k == "aws_subnet").unwrap();
    assert_eq!(subnets.1, 9, "all nine subnets in one call");
    let left = read.get("provisioned").as_map().unwrap();
    assert_eq!(left.len(), out.provisioned.len() - 1);
    assert!(!left.contains_key("aws_subnet.private[1]"));
}

#[tokio::test]
async fn the_plan_names_the_children_apply_will_replace() {
    let t = topology();
    let cloud = Arc::new(FakeCloud::default());
    let out = engine(&cloud).apply(&t, &Prior::default()).await;
    let mut prior = prior_from(&t, &out);
    assert!(kinds::changes(&t, &prior, &Default::default())
        .actions
        .values()
        .all(|a| *a == Action::Keep));
    assert!(plan::replacements(&kinds::changes(&t, &prior, &Default::default())).is_empty());

    // The state says the subnet has another block: a subnet's block cannot change in place.
    if let Some(Value::Map(v)) = prior.values.get_mut("aws_subnet.public[0]") {
        v.insert("cidr_block".into(), Value::String("10.9.0.0/24".into()));
    }
    let changes = kinds::changes(&t, &prior, &Default::default());
    assert_eq!(
        changes.actions["aws_subnet.public[0]"],
        Action::Replace(vec!["cidr_block".into()])
    );
    assert_eq!(
        changes.actions["aws_route_table_association.public[0]"],
        Action::Replace(vec!["subnet_id".into()]),
        "what refers to the new subnet's id follows"
    );
    assert_eq!(
        changes.actions["aws_nat_gateway.main[0]"],
        Action::Replace(vec!["subnet_id".into()]),
        "the NAT gateway in that subnet too"
    );
    assert_eq!(
        changes.actions["aws_route.private_nat[0]"],
        Action::Update(vec!["nat_gateway_id".into()]),
        "routes to it change in place"
    );
    assert_eq!(changes.actions["aws_vpc.main"], Action::Keep);
    // Apply deletes the three first, dependents before the subnet, then creates them again.
    let again = engine(&cloud).apply(&t, &prior).await;
    assert!(again.succeeded(), "{:?}", again.failures);
    assert_eq!(again.counts.replaced, 3);
    assert_eq!(again.counts.created, 0);
    assert_eq!(
        changes.actions["aws_lb.main"],
        Action::Update(vec!["subnets".into()]),
        "the load balancer moves to the new subnet in place"
    );
    assert_eq!(
        again.counts.updated, 2,
        "the route to the new NAT gateway, the load balancer's subnets"
    );
    let deleted = cloud.deleted.lock().unwrap().clone();
    let at = |a: &str| deleted.iter().position(|d| d == a).unwrap();
    assert!(
        at("aws_nat_gateway.main[0]") < at("aws_subnet.public[0]"),
        "{deleted:?}"
    );
    assert!(at("aws_route_table_association.public[0]") < at("aws_subnet.public[0]"));
    assert_ne!(
        again.provisioned["aws_subnet.public[0]"],
        out.provisioned["aws_subnet.public[0]"]
    );
    let warning = plan::replacements(&changes);
    assert_eq!(warning.len(), 1);
    let text = format!("{warning:?}");
    assert!(
        text.contains("3 children will be replaced")
            && text.contains("aws_subnet.public[0] (changed: cidr_block)"),
        "{text}"
    );
}

#[tokio::test]
async fn a_new_task_definition_revision_updates_the_service_in_the_plan() {
    let t = topology();
    let cloud = Arc::new(FakeCloud::default());
    let out = engine(&cloud).apply(&t, &Prior::default()).await;
    let mut prior = prior_from(&t, &out);
    // The state says the task definition had other cpu: apply registers a new revision.
    if let Some(Value::Map(v)) = prior.values.get_mut("aws_ecs_task_definition.app") {
        v.insert("cpu".into(), Value::String("4096".into()));
    }
    let changes = kinds::changes(&t, &prior, &Default::default());
    assert_eq!(
        changes.actions["aws_ecs_task_definition.app"],
        Action::Update(vec!["cpu".into()])
    );
    assert_eq!(
        changes.actions["aws_ecs_service.app"],
        Action::Update(vec!["task_definition".into()]),
        "the service moves to the new revision, and the plan says so"
    );
}

#[tokio::test]
async fn a_target_group_is_replaced_by_creating_the_new_one_before_deleting_the_old() {
    let t = topology();
    let cloud = Arc::new(FakeCloud::default());
    let out = engine(&cloud).apply(&t, &Prior::default()).await;
    assert!(out.succeeded(), "{:?}", out.failures);
    let old_name = match t.get("aws_lb_target_group.app").unwrap().value("name") {
        Some(edulibra_provider::topology::V::Str(n)) => n.clone(),
        other => panic!("{other:?}"),
    };
    // Another port: a replacement, under another name.
    let mut t2 = t.clone();
    let tg = t2
        .children
        .iter_mut()
        .find(|c| c.address == "aws_lb_target_group.app")
        .unwrap();
    tg.values
        .insert("port".into(), edulibra_provider::topology::V::Int(9090));
    tg.values.insert(
        "name".into(),
        edulibra_provider::topology::V::Str("edulibra-prod-new".into()),
    );
    cloud.events.lock().unwrap().clear();
    let out2 = engine(&cloud).apply(&t2, &prior_from(&t, &out)).await;
    assert!(out2.succeeded(), "{:?}", out2.failures);
    let events = cloud.events.lock().unwrap().clone();
    let at = |e: &str| {
        events
            .iter()
            .position(|x| x == e)
            .unwrap_or_else(|| panic!("no `{e}` in {events:?}"))
    };
    let created = at("ensure aws_lb_target_group.app#edulibra-prod-new");
    let old_gone = at(&format!("delete aws_lb_target_group.app#{old_name}"));
    let listener = events
        .iter()
        .position(|x| x.starts_with("ensure aws_lb_listener."))
        .expect("the listener moves to the new group");
    assert!(created < listener && listener < old_gone, "{events:?}");
    assert!(cloud
        .resources
        .lock()
        .unwrap()
        .contains_key("aws_lb_target_group.app#edulibra-prod-new"));
}
