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

/// Identity policies in every shape the IAM rules read (Action / NotAction, Resource /
/// NotResource, wildcards, Deny, odd types, a lone Statement object, statement blocks, role
/// inline policies, policies known only after apply): the compiled rules read the facts the
/// engine works out once per resource (`src/identity.rs`), the interpreter works them out in
/// each rule; the verdicts must be the same.
#[test]
fn compiled_rules_agree_with_the_interpreter_on_identity_policies() {
    let effects = [
        json!("Allow"),
        json!("Deny"),
        json!("deny"),
        json!(5),
        Value::Null,
    ];
    let actions = [
        json!("*"),
        json!("iam:*"),
        json!(["s3:GetObject", "iam:PassRole", "ec2:RunInstances"]),
        json!(["S3:*", "sts:AssumeRole"]),
        json!("iam:Put*"),
        json!(["lambda:Create?unction", 7]),
        Value::Null,
    ];
    let not_actions = [Value::Null, json!(["s3:*"])];
    let resources = [
        json!("*"),
        json!("arn:aws:s3:::*"),
        json!(["arn:aws:iam::123456789012:role/*"]),
        json!(["arn:aws:ssm:eu-central-1:123456789012:parameter/*"]),
        Value::Null,
    ];
    let not_resources = [Value::Null, json!("arn:aws:s3:::keep")];
    let mut statements = Vec::new();
    for e in &effects {
        for a in &actions {
            for na in &not_actions {
                for r in &resources {
                    for nr in &not_resources {
                        let mut s = serde_json::Map::new();
                        for (k, v) in [
                            ("Effect", e),
                            ("Action", a),
                            ("NotAction", na),
                            ("Resource", r),
                            ("NotResource", nr),
                        ] {
                            if !v.is_null() {
                                s.insert(k.into(), v.clone());
                            }
                        }
                        statements.push(Value::Object(s));
                    }
                }
            }
        }
    }
    let mut changes = Vec::new();
    let mut add = |kind: &str, mode: &str, after: Value, unknown: Value| {
        let n = changes.len();
        let prefix = if mode == "data" { "data." } else { "" };
        changes.push(json!({
            "address": format!("{prefix}{kind}.r{n}"),
            "mode": mode,
            "type": kind,
            "name": format!("r{n}"),
            "change": {"actions": ["create"], "after": after, "after_unknown": unknown},
        }));
    };
    let doc = |sts: &[Value]| json!({"Version": "2012-10-17", "Statement": sts}).to_string();
    for (i, st) in statements.iter().enumerate() {
        let kind = [
            "aws_iam_policy",
            "aws_iam_role_policy",
            "aws_iam_user_policy",
        ][i % 3];
        add(
            kind,
            "managed",
            json!({"policy": doc(std::slice::from_ref(st))}),
            json!({}),
        );
    }
    for pair in statements.chunks(2) {
        // a lone Statement object, two statements, an SSO inline policy, a role's inline policies
        let lone = json!({"Statement": pair[0]}).to_string();
        add(
            "aws_iam_group_policy",
            "managed",
            json!({"policy": lone}),
            json!({}),
        );
        add(
            "aws_iam_policy",
            "managed",
            json!({"policy": doc(pair)}),
            json!({}),
        );
        add(
            "aws_ssoadmin_permission_set_inline_policy",
            "managed",
            json!({"inline_policy": doc(pair)}),
            json!({}),
        );
        let blocks: Vec<Value> = pair
            .iter()
            .map(|s| json!({"name": "p", "policy": doc(std::slice::from_ref(s))}))
            .collect();
        add(
            "aws_iam_role",
            "managed",
            json!({"name": "r", "inline_policy": blocks}),
            json!({}),
        );
    }
    // statement blocks of data.aws_iam_policy_document
    for (i, st) in statements.iter().enumerate().step_by(3) {
        let field = |k: &str| st.get(k).cloned().unwrap_or(Value::Null);
        let block = json!({
            "effect": field("Effect"),
            "actions": field("Action"),
            "not_actions": field("NotAction"),
            "resources": field("Resource"),
            "not_resources": field("NotResource"),
        });
        let json_doc = if i % 2 == 0 {
            Value::Null
        } else {
            json!(doc(std::slice::from_ref(st)))
        };
        add(
            "aws_iam_policy_document",
            "data",
            json!({"statement": [block], "json": json_doc}),
            json!({}),
        );
    }
    // known only after apply
    add(
        "aws_iam_policy",
        "managed",
        json!({}),
        json!({"policy": true}),
    );
    add(
        "aws_iam_role",
        "managed",
        json!({"inline_policy": [{"name": "p"}]}),
        json!({"inline_policy": [{"policy": true}]}),
    );
    add(
        "aws_ssoadmin_permission_set_inline_policy",
        "managed",
        json!({}),
        json!({"inline_policy": true}),
    );
    add(
        "aws_iam_policy_document",
        "data",
        json!({}),
        json!({"statement": true, "json": true}),
    );
    add(
        "aws_iam_role",
        "managed",
        json!({"name": "r"}),
        json!({"inline_policy": true}),
    );
    let count = changes.len();
    let plan = json!({"format_version": "1.2", "resource_changes": changes});
    let plan = load("identity policies", plan).expect("the identity plan loads");
    assert_eq!(plan.resources.len(), count);
    let mut rules = rules();
    let mut seen = Disagreements::default();
    seen.compare(&mut rules, &plan, "identity policies");
    seen.assert_none();
    // The plan must exercise the rules, not only pass them.
    let found = verdicts(&mut rules, &plan, EngineChoice::Auto).expect("judged");
    let iam_rules: BTreeSet<&str> = found
        .iter()
        .map(|f| f.0.as_str())
        .filter(|id| id.starts_with("EDU-IAM-"))
        .collect();
    assert!(iam_rules.len() >= 9, "only {iam_rules:?} raised findings");
    assert!(found.iter().any(|f| f.2 == "Unknown"), "no unknown verdict");
}
