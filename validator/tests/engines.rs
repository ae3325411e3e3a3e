//! The built-in rules run compiled (regorus' RVM) for speed, and the interpreter is the
//! reference (see `src/compiled.rs` for why the two can differ). These tests hold the compiled
//! rules to the interpreter's verdicts on every fixture, on generated plans, and on plans in
//! which every resource loses, nulls or defers one attribute at a time: that is where an
//! undefined value reaches a rule, which is where the engines part.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use edulibra_validate::compiled::EngineChoice;
use edulibra_validate::eval::{evaluate, Options};
use edulibra_validate::plan::{from_value, Plan};
use edulibra_validate::rules::RuleSet;
use edulibra_validate::waivers::Waivers;
use serde_json::{json, Value};

type Verdicts = BTreeSet<(String, String, String, String)>;

fn verdicts(rules: &mut RuleSet, plan: &Plan, engine: EngineChoice) -> Result<Verdicts, String> {
    let waivers = Waivers {
        items: vec![],
        today: edulibra_validate::waivers::today_utc(),
    };
    let opts = Options {
        only_changes: false,
        engine,
    };
    let report =
        evaluate(rules, std::slice::from_ref(plan), &waivers, &opts).map_err(|e| e.to_string())?;
    Ok(report
        .findings
        .into_iter()
        .map(|f| (f.rule_id, f.resource, format!("{:?}", f.status), f.message))
        .collect())
}

/// Where the engines part, by rule id: how often, and the first case.
#[derive(Default)]
struct Disagreements(std::collections::BTreeMap<String, (usize, String)>);

impl Disagreements {
    /// Both engines judge the plan; each finding only one of them raises is recorded.
    fn compare(&mut self, rules: &mut RuleSet, plan: &Plan, what: &str) {
        let reference = verdicts(rules, plan, EngineChoice::Interpreter);
        let compiled = verdicts(rules, plan, EngineChoice::Auto);
        match (reference, compiled) {
            (Ok(a), Ok(b)) => {
                for (side, f) in a
                    .difference(&b)
                    .map(|f| ("only interpreted", f))
                    .chain(b.difference(&a).map(|f| ("only compiled", f)))
                {
                    let e = self
                        .0
                        .entry(f.0.clone())
                        .or_insert_with(|| (0, format!("{what}: {side}: {f:?}")));
                    e.0 += 1;
                }
            }
            // Both refuse: a runtime error stops the gate either way.
            (Err(_), Err(_)) => {}
            (a, b) => {
                self.0.entry("(runtime error)".into()).or_insert_with(|| {
                    (
                        1,
                        format!(
                            "{what}: interpreter {:?}, compiled {:?}",
                            a.map(|v| v.len()),
                            b.map(|v| v.len())
                        ),
                    )
                });
            }
        }
    }

    fn assert_none(self) {
        let lines: Vec<String> = self
            .0
            .iter()
            .map(|(rule, (n, first))| format!("{rule}: {n} findings differ, first: {first}"))
            .collect();
        assert!(
            lines.is_empty(),
            "the compiled rules disagree with the interpreter:\n{}",
            lines.join("\n")
        );
    }
}

fn rules() -> RuleSet {
    RuleSet::load(true, &[], Duration::from_secs(60)).expect("built-in rules load")
}

fn fixtures() -> Vec<(String, Value)> {
    let dir = common::shared().join("fixtures/plans");
    let mut out = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    for p in paths {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&p).unwrap();
        // Fixtures the loader refuses (not plans, binary) are the loader tests' business.
        let Ok(text) = edulibra_validate::plan::decode_text(&name, &bytes) else {
            continue;
        };
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            out.push((name, v));
        }
    }
    out
}

fn generated(n: usize, seed: u64) -> Value {
    let out = std::process::Command::new("python3")
        .arg(common::shared().join("tools/gen_plan.py"))
        .arg(n.to_string())
        .args(["--seed", &seed.to_string()])
        .output()
        .expect("python3 runs gen_plan.py");
    assert!(out.status.success(), "gen_plan.py failed");
    serde_json::from_slice(&out.stdout).expect("gen_plan.py prints a plan")
}

#[derive(Clone, Copy, Debug)]
enum Damage {
    Remove,
    Null,
    Defer,
    /// The first element of a nested block loses the key.
    RemoveNested,
}

/// Applies `damage` to the `k`-th attribute (in key order) of every resource's planned values.
/// Returns false when no resource has a `k`-th attribute.
fn damage_all(plan: &mut Value, k: usize, damage: Damage) -> bool {
    let mut touched = false;
    let Some(changes) = plan
        .get_mut("resource_changes")
        .and_then(Value::as_array_mut)
    else {
        return false;
    };
    for rc in changes {
        let Some(change) = rc.get_mut("change").and_then(Value::as_object_mut) else {
            continue;
        };
        let Some(after) = change.get("after").and_then(Value::as_object).cloned() else {
            continue;
        };
        let mut after = after;
        let keys: Vec<String> = after.keys().cloned().collect();
        match damage {
            Damage::RemoveNested => {
                // k counts (block, key) pairs over the blocks' first elements.
                let mut pairs = Vec::new();
                for key in &keys {
                    if let Some(Value::Object(first)) = after
                        .get(key)
                        .and_then(Value::as_array)
                        .and_then(|a| a.first())
                    {
                        for inner in first.keys() {
                            pairs.push((key.clone(), inner.clone()));
                        }
                    }
                }
                let Some((block, inner)) = pairs.get(k) else {
                    continue;
                };
                if let Some(Value::Object(first)) = after
                    .get_mut(block)
                    .and_then(Value::as_array_mut)
                    .and_then(|a| a.first_mut())
                {
                    first.remove(inner);
                }
            }
            _ => {
                let Some(key) = keys.get(k) else { continue };
                match damage {
                    Damage::Remove => {
                        after.remove(key);
                    }
                    Damage::Null => {
                        after.insert(key.clone(), Value::Null);
                    }
                    Damage::Defer => {
                        after.remove(key);
                        let unknown = change.entry("after_unknown").or_insert_with(|| json!({}));
                        if let Some(u) = unknown.as_object_mut() {
                            u.insert(key.clone(), Value::Bool(true));
                        }
                    }
                    Damage::RemoveNested => unreachable!(),
                }
            }
        }
        change.insert("after".into(), Value::Object(after));
        touched = true;
    }
    touched
}

fn load(name: &str, v: Value) -> Option<Plan> {
    // A few fixtures are deliberately not plans (the loader's own tests cover those).
    from_value(name, v).ok()
}

#[test]
fn compiled_rules_agree_with_the_interpreter_on_every_fixture() {
    let mut rules = rules();
    let mut seen = Disagreements::default();
    for (name, v) in fixtures() {
        if let Some(plan) = load(&name, v) {
            seen.compare(&mut rules, &plan, &name);
        }
    }
    seen.assert_none();
}

#[test]
fn compiled_rules_agree_with_the_interpreter_on_generated_plans() {
    let mut rules = rules();
    let mut seen = Disagreements::default();
    for seed in [1, 2, 3] {
        let plan = load("generated", generated(1500, seed)).expect("generated plan loads");
        seen.compare(
            &mut rules,
            &plan,
            &format!("gen_plan.py 1500 --seed {seed}"),
        );
    }
    seen.assert_none();
}

#[test]
fn compiled_rules_agree_with_the_interpreter_on_damaged_resources() {
    let mut rules = rules();
    let mut plans: Vec<(String, Value)> = fixtures();
    plans.push(("gen_plan.py 400 --seed 7".into(), generated(400, 7)));
    let mut checked = 0;
    let mut seen = Disagreements::default();
    for (name, v) in plans {
        if load(&name, v.clone()).is_none() {
            continue;
        }
        for damage in [
            Damage::Remove,
            Damage::Null,
            Damage::Defer,
            Damage::RemoveNested,
        ] {
            for k in 0.. {
                let mut damaged = v.clone();
                if !damage_all(&mut damaged, k, damage) {
                    break;
                }
                if let Some(plan) = load(&name, damaged) {
                    seen.compare(
                        &mut rules,
                        &plan,
                        &format!("{name}, {damage:?} attribute #{k}"),
                    );
                    checked += 1;
                }
            }
        }
    }
    eprintln!("{checked} damaged plans judged by both engines");
    assert!(checked > 500, "only {checked} damaged plans were judged");
    seen.assert_none();
}

/// Rules read each resource as `to_rule_input` builds it; it must be exactly the JSON that
/// `edulibra-validate input` prints.
#[test]
fn rule_input_is_the_resource_json() {
    let mut checked = 0;
    for (name, v) in fixtures() {
        let Some(plan) = load(&name, v) else { continue };
        for r in &plan.resources {
            let via_json = regorus::Value::from(serde_json::to_value(r).unwrap());
            assert_eq!(r.to_rule_input(), via_json, "{name}: {}", r.address);
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} resources compared");
}
