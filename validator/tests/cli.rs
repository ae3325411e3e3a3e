//! The gate as CI runs it: real fixtures, generated plans with ground truth, hostile input.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_edulibra-validate"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("edulibra-validate-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn check(args: &[&str]) -> Output {
    bin().arg("check").args(args).output().unwrap()
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

#[test]
fn every_fixture_is_read_and_judged() {
    let dir = common::shared().join("fixtures/plans");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let o = check(&[p.to_str().unwrap(), "--format", "json"]);
        assert!(
            matches!(o.status.code(), Some(0) | Some(1)),
            "{}: {}",
            p.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        let r = json_of(&o);
        assert!(
            r["summary"]["resources"].as_u64().unwrap() > 0,
            "{}",
            p.display()
        );
        n += 1;
    }
    assert_eq!(n, 30);
}

#[test]
fn generated_plans_match_the_ground_truth() {
    let gen = common::shared().join("tools/gen_plan.py");
    let d = tmp("gen");
    for seed in ["1", "2"] {
        let plan = d.join(format!("plan-{seed}.json"));
        let expected = d.join(format!("expected-{seed}.json"));
        let st = Command::new("python3")
            .arg(&gen)
            .args(["250", "--seed", seed, "-o"])
            .arg(&plan)
            .arg("--expected")
            .arg(&expected)
            .status()
            .unwrap();
        assert!(st.success());
        let exp: Value = serde_json::from_slice(&std::fs::read(&expected).unwrap()).unwrap();
        let r = json_of(&check(&[plan.to_str().unwrap(), "--format", "json"]));
        let fails = |rule: &str, needle: &str| -> Vec<String> {
            let mut v: Vec<String> = r["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| {
                    f["rule_id"] == rule
                        && f["status"] == "fail"
                        && f["message"].as_str().unwrap().contains(needle)
                })
                .map(|f| f["resource"].as_str().unwrap().to_string())
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let want = |k: &str| -> Vec<String> {
            exp[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            fails("EDU-ENC-001", "has no KMS default encryption"),
            want("unencrypted_s3"),
            "seed {seed}"
        );
        assert_eq!(
            fails("EDU-ENC-003", ""),
            want("unencrypted_rds"),
            "seed {seed}"
        );
    }
}

fn expect_exit_2(path: &Path, what: &str) {
    let o = check(&[path.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{what}: {err}");
    assert_eq!(
        err.trim().lines().count(),
        1,
        "{what}: one-line reason: {err}"
    );
    assert!(err.contains("error:"), "{what}: {err}");
}

#[test]
fn malformed_inputs_exit_2_with_one_line() {
    let d = tmp("bad");
    let good =
        std::fs::read_to_string(common::shared().join("fixtures/plans/tfc__sqs_kms.json")).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", good.as_bytes()[..good.len() / 2].to_vec()),
        ("empty", vec![]),
        ("wrong-types", br#"{"format_version":"1.2","resource_changes":5}"#.to_vec()),
        ("state-file", br#"{"format_version":"1.0","terraform_version":"1.5.0","values":{"root_module":{}}}"#.to_vec()),
        ("not-an-object", b"[1,2,3]".to_vec()),
        ("duplicate-keys", br#"{"format_version":"1.2","resource_changes":[{"address":"aws_db_instance.a","type":"aws_db_instance","name":"a","change":{"actions":["create"],"after":{"storage_encrypted":false,"storage_encrypted":true}}}]}"#.to_vec()),
        ("lookalike-type", "{\"format_version\":\"1.2\",\"resource_changes\":[{\"address\":\"\u{430}ws_db_instance.a\",\"type\":\"\u{430}ws_db_instance\",\"name\":\"a\",\"change\":{\"actions\":[\"create\"],\"after\":{}}}]}".as_bytes().to_vec()),
        ("bad-utf8", vec![0x7b, 0xff, 0xfe, 0x7d]),
        // a policy string whose statement says Deny and then Allow
        ("duplicate-keys-in-policy", br#"{"format_version":"1.2","resource_changes":[{"address":"aws_iam_policy.p","type":"aws_iam_policy","name":"p","change":{"actions":["create"],"after":{"policy":"{\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Effect\":\"Allow\"}]}"}}}]}"#.to_vec()),
    ];
    for (name, bytes) in cases {
        let p = d.join(format!("{name}.json"));
        std::fs::write(&p, bytes).unwrap();
        expect_exit_2(&p, name);
    }
    // The refusal names the resource, the attribute and the key.
    let o = check(&[d.join("duplicate-keys-in-policy.json").to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "aws_iam_policy.p: policy holds a JSON document with a duplicate key \"Effect\""
        ),
        "{err}"
    );
    // 100 MB of nesting: refused at the depth limit, quickly and without a stack overflow.
    let p = d.join("deep.json");
    let mut deep = Vec::with_capacity(100 << 20);
    deep.extend(std::iter::repeat_n(b'[', 50 << 20));
    deep.extend(std::iter::repeat_n(b']', 50 << 20));
    std::fs::write(&p, deep).unwrap();
    expect_exit_2(&p, "deep nesting");
    expect_exit_2(&d.join("does-not-exist.json"), "missing file");
}

#[test]
fn bad_policies_stop_the_gate_with_file_and_line() {
    let d = tmp("policies");
    let plan = common::shared().join("fixtures/plans/tfc__sqs_kms.json");
    let syntax = d.join("syntax");
    std::fs::create_dir_all(&syntax).unwrap();
    std::fs::write(
        syntax.join("broken.rego"),
        "package main\nimport rego.v1\n\ndeny contains msg if {\n  msg := \n}\n",
    )
    .unwrap();
    let o = check(&[plan.to_str().unwrap(), "--policy", syntax.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("broken.rego"), "{err}");

    let looping = d.join("loop");
    std::fs::create_dir_all(&looping).unwrap();
    std::fs::write(
        looping.join("loop.rego"),
        "package main\nimport rego.v1\n\ndeny contains msg if {\n  some i in numbers.range(1, 100000000)\n  some j in numbers.range(1, 100000000)\n  i == j + 100000001\n  msg := sprintf(\"%d\", [i])\n}\n",
    )
    .unwrap();
    let start = std::time::Instant::now();
    let o = check(&[
        plan.to_str().unwrap(),
        "--policy",
        looping.to_str().unwrap(),
        "--timeout",
        "2",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(start.elapsed().as_secs() < 30, "the time limit stopped it");
    assert!(err.contains("loop.rego"), "{err}");

    // Found by fuzzing: nested comprehension openers make the parser backtrack exponentially
    // (24 levels would take hours); the time limit covers parsing too.
    let nested = d.join("nested");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::write(
        nested.join("nested.rego"),
        format!("package main\nx := {}1\n", "[a | ".repeat(24)),
    )
    .unwrap();
    let start = std::time::Instant::now();
    let o = check(&[
        plan.to_str().unwrap(),
        "--policy",
        nested.to_str().unwrap(),
        "--timeout",
        "2",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        start.elapsed().as_secs() < 20,
        "stopped at the time limit: {:?}",
        start.elapsed()
    );
    assert!(
        err.contains("nested.rego") && err.contains("time limit"),
        "{err}"
    );
}

fn environment_plan(multi_az: bool) -> Value {
    json!({
        "format_version": "0.2", "terraform_version": "1.0.3",
        "planned_values": {"root_module": {}},
        "resource_changes": [{
            "address": "module.edulibra.edulibra_environment.this", "module_address": "module.edulibra",
            "mode": "managed", "type": "edulibra_environment", "name": "this",
            "change": {"actions": ["create"], "before": null,
                "after": {"name": "edu", "topology": [
                    {"address": "aws_kms_key.main", "type": "aws_kms_key", "values": {"enable_key_rotation": true}, "references": {}},
                    {"address": "aws_db_instance.main", "type": "aws_db_instance",
                     "values": {"multi_az": multi_az, "storage_encrypted": true, "publicly_accessible": false},
                     "references": {"kms_key_id": ["aws_kms_key.main"]}}
                ]},
                "after_unknown": {"topology": [{"values": {}}, {"values": {"kms_key_id": true}}]}}
        }]
    })
}

#[test]
fn environment_topology_is_judged_like_plain_aws_resources() {
    let d = tmp("env");
    let p = d.join("single-az.json");
    std::fs::write(&p, environment_plan(false).to_string()).unwrap();
    let o = check(&[p.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let r = json_of(&o);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "EDU-HA-001")
        .expect("multi-AZ finding");
    assert_eq!(
        f["resource"],
        "module.edulibra.edulibra_environment.this/aws_db_instance.main"
    );
    // The key is a reference to the environment's own KMS key: encrypted with a CMK, not unknown.
    assert!(!r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule_id"] == "EDU-ENC-004"
            && f["status"] != "waived"
            && f["resource"]
                .as_str()
                .unwrap()
                .ends_with("aws_db_instance.main")));

    // A topology hidden from the plan fails closed.
    let mut hidden = environment_plan(true);
    hidden["resource_changes"][0]["change"]["after"]
        .as_object_mut()
        .unwrap()
        .remove("topology");
    hidden["resource_changes"][0]["change"]["after_unknown"] = json!({"topology": true});
    let p = d.join("hidden.json");
    std::fs::write(&p, hidden.to_string()).unwrap();
    let o = check(&[p.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(json_of(&o)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule_id"] == "EDU-GATE-001"));
}

/// Plans crafted to make a rule pass wrongly: the gate refuses them (exit 2) or judges the real
/// values, never passes them.
#[test]
fn crafted_plans_fail_closed_or_judge_the_real_values() {
    let d = tmp("crafted");
    let run = |name: &str, plan: &Value| {
        let p = d.join(format!("{name}.json"));
        std::fs::write(&p, plan.to_string()).unwrap();
        check(&[p.to_str().unwrap(), "--format", "json"])
    };
    let refused = |name: &str, plan: &Value, why: &str| {
        let o = run(name, plan);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(why), "{name}: {err}");
    };
    let rds = |encrypted: bool| {
        json!({"address": "aws_db_instance.a", "type": "aws_db_instance", "name": "a", "mode": "managed",
               "change": {"actions": ["create"], "after": {"storage_encrypted": encrypted}, "after_unknown": {}}})
    };

    // A benign second entry for the same resource, to shadow the real one.
    let shadow = json!({"format_version": "1.2", "resource_changes": [rds(false), rds(true)]});
    refused("shadow", &shadow, "appears twice");

    // planned_values that disagree with the change: the change is what Terraform applies.
    let disagree = json!({"format_version": "1.2",
        "planned_values": {"root_module": {"resources": [{"address": "aws_db_instance.a", "type": "aws_db_instance",
            "name": "a", "mode": "managed", "values": {"storage_encrypted": true}}]}},
        "resource_changes": [rds(false)]});
    let o = run("disagree", &disagree);
    assert_eq!(o.status.code(), Some(1));
    assert!(json_of(&o)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule_id"] == "EDU-ENC-003"
            && f["resource"] == "aws_db_instance.a"
            && f["status"] == "fail"));

    // An environment whose topology hides a child: no type, twice, a look-alike type.
    let entry = |addr: &str, kind: &str| json!({"address": addr, "type": kind, "values": {"storage_encrypted": false}, "references": {}});
    for (name, topology, why) in [
        (
            "untyped",
            json!([{"address": "aws_db_instance.main", "values": {}}]),
            "has no type",
        ),
        (
            "twice",
            json!([
                entry("aws_db_instance.main", "aws_db_instance"),
                entry("aws_db_instance.main", "aws_db_instance")
            ]),
            "appears twice",
        ),
        (
            "lookalike",
            json!([entry("aws_db_instance.main", "aws_db_\u{456}nstance")]),
            "not a Terraform type name",
        ),
    ] {
        let mut plan = environment_plan(true);
        plan["resource_changes"][0]["change"]["after"]["topology"] = topology;
        plan["resource_changes"][0]["change"]["after_unknown"] = json!({});
        refused(name, &plan, why);
    }
}

#[test]
fn waivers_waive_until_they_expire() {
    let d = tmp("waivers");
    let p = d.join("plan.json");
    std::fs::write(&p, environment_plan(false).to_string()).unwrap();
    let w = d.join("waivers.yaml");
    std::fs::write(&w, "waivers:\n  - rule: EDU-HA-001\n    resource: \"module.edulibra.*/aws_db_instance.*\"\n    reason: dev runs in one AZ\n    expires: \"2999-01-01\"\n").unwrap();
    let r = json_of(&check(&[
        p.to_str().unwrap(),
        "--format",
        "json",
        "--waivers",
        w.to_str().unwrap(),
    ]));
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "EDU-HA-001")
        .unwrap();
    assert_eq!(f["status"], "waived");
    std::fs::write(&w, "waivers:\n  - rule: EDU-HA-001\n    resource: \"*\"\n    reason: old\n    expires: \"2001-01-01\"\n").unwrap();
    let o = check(&[
        p.to_str().unwrap(),
        "--format",
        "json",
        "--waivers",
        w.to_str().unwrap(),
    ]);
    let r = json_of(&o);
    assert_eq!(
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == "EDU-HA-001")
            .unwrap()["status"],
        "fail"
    );
    assert_eq!(r["expired_waivers"].as_array().unwrap().len(), 1);
    std::fs::write(
        &w,
        "waivers:\n  - rule: EDU-HA-001\n    resource: \"*\"\n    reason: \"\"\n",
    )
    .unwrap();
    assert_eq!(
        check(&[p.to_str().unwrap(), "--waivers", w.to_str().unwrap()])
            .status
            .code(),
        Some(2)
    );
}

/// A plan of one unencrypted RDS instance at `address` (EDU-ENC-003 fails it).
fn unencrypted_db_plan(address: &str) -> Value {
    let values = json!({"storage_encrypted": false, "engine": "postgres"});
    json!({
        "format_version": "1.2",
        "resource_changes": [{"address": address, "type": "aws_db_instance", "name": "db",
            "mode": "managed", "index": "a,b:c",
            "change": {"actions": ["create"], "before": null, "after": values, "after_unknown": {}}}],
        "planned_values": {"root_module": {"resources": [{"address": address,
            "type": "aws_db_instance", "name": "db", "mode": "managed", "values": values}]}}
    })
}

#[test]
fn sarif_alerts_keep_their_fingerprint_rank_by_severity_and_show_unknowns() {
    let d = tmp("sarif-fingerprints");
    let sarif_of = |plan: &Value, name: &str| {
        let p = d.join(name);
        std::fs::write(&p, plan.to_string()).unwrap();
        json_of(&check(&[p.to_str().unwrap(), "--format", "sarif"]))
    };
    let fingerprint = |doc: &Value, rule: &str, resource: &str| -> String {
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["ruleId"] == rule
                    && r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == resource
            })
            .unwrap_or_else(|| panic!("{rule} on {resource}"))["partialFingerprints"]
            ["edulibraFinding/v1"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let plan = unencrypted_db_plan("aws_db_instance.db");
    let first = sarif_of(&plan, "a.json");
    let again = sarif_of(&plan, "b.json");
    let fp = fingerprint(&first, "EDU-ENC-003", "aws_db_instance.db");
    assert_eq!(fp, fingerprint(&again, "EDU-ENC-003", "aws_db_instance.db"));
    // An unrelated resource joins the plan: the alert keeps its identity.
    let mut bigger = plan.clone();
    let mut other = bigger["resource_changes"][0].clone();
    other["address"] = json!("aws_db_instance.other");
    bigger["resource_changes"]
        .as_array_mut()
        .unwrap()
        .push(other);
    let mut other = bigger["planned_values"]["root_module"]["resources"][0].clone();
    other["address"] = json!("aws_db_instance.other");
    bigger["planned_values"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap()
        .push(other);
    let with_other = sarif_of(&bigger, "c.json");
    assert_eq!(
        fp,
        fingerprint(&with_other, "EDU-ENC-003", "aws_db_instance.db")
    );
    assert_ne!(
        fp,
        fingerprint(&with_other, "EDU-ENC-003", "aws_db_instance.other")
    );
    let rules = first["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(
        rule("EDU-ENC-003")["properties"]["security-severity"],
        "8.0"
    );
    assert_eq!(
        rule("EDU-IAM-001")["properties"]["security-severity"],
        "9.5"
    );
    // A PostgreSQL version known only after apply leaves EDU-ENC-006 unknown: a note, not lost.
    let mut pending = plan.clone();
    pending["resource_changes"][0]["change"]["after_unknown"] = json!({"engine_version": true});
    let notes = sarif_of(&pending, "d.json");
    let unknown = notes["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "EDU-ENC-006")
        .expect("the unknown verdict is a result")
        .clone();
    assert_eq!(unknown["level"], "note");
    assert!(unknown["message"]["text"]
        .as_str()
        .unwrap()
        .starts_with("unknown until apply"));
}

#[test]
fn one_run_writes_every_report_asked_for() {
    let d = tmp("outputs");
    let p = d.join("plan.json");
    std::fs::write(&p, unencrypted_db_plan("aws_db_instance.db").to_string()).unwrap();
    let (sarif, junit, json_path, md) = (
        d.join("gate.sarif"),
        d.join("gate.xml"),
        d.join("gate.json"),
        d.join("summary.md"),
    );
    let arg = |f: &str, p: &Path| format!("{f}={}", p.display());
    let o = check(&[
        p.to_str().unwrap(),
        "--output",
        &arg("sarif", &sarif),
        "-o",
        &arg("junit", &junit),
        "-o",
        &arg("JSON", &json_path),
        "-o",
        &arg("markdown", &md),
        "-o",
        "github=-",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.lines().any(|l| l.starts_with("::error ")),
        "{stdout}"
    );
    let sarif: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(std::fs::read_to_string(&junit)
        .unwrap()
        .starts_with("<?xml"));
    let json: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert!(json["summary"]["failed"].as_u64().unwrap() > 0);
    assert!(std::fs::read_to_string(&md)
        .unwrap()
        .contains("EDU-ENC-003"));
    // A plain path takes --format, as before.
    let plain = d.join("plain.sarif");
    let o = check(&[
        p.to_str().unwrap(),
        "--format",
        "sarif",
        "-o",
        plain.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(std::fs::read_to_string(&plain)
        .unwrap()
        .contains("\"2.1.0\""));
    // Two reports cannot share stdout.
    let o = check(&[p.to_str().unwrap(), "-o", "github=-", "-o", "json=-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("stdout"));
    // Nor can a report and the waivers report; with the report in a file, stdout is free.
    let o = check(&[p.to_str().unwrap(), "--waivers-report", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--waivers-report -"));
    let o = check(&[
        p.to_str().unwrap(),
        "--waivers-report",
        "-",
        "-o",
        &arg("json", &json_path),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "# Waivers\n\nNo waivers were given.\n",
        "stdout holds the waivers report alone"
    );
}

#[test]
fn rules_are_selected_by_id_category_or_severity_and_every_skip_is_reported() {
    let d = tmp("select");
    let p = d.join("plan.json");
    std::fs::write(&p, unencrypted_db_plan("aws_db_instance.db").to_string()).unwrap();
    let run = |extra: &[&str]| {
        json_of(&check(
            &[&[p.to_str().unwrap(), "--format", "json"][..], extra].concat(),
        ))
    };
    let failed = |r: &Value| -> Vec<String> {
        let mut v: Vec<String> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule_id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let all = run(&[]);
    assert!(failed(&all).len() >= 4, "{:?}", failed(&all));
    assert!(all.get("skipped_rules").is_none());

    let encryption = run(&["--check", "encryption"]);
    assert!(
        failed(&encryption)
            .iter()
            .all(|id| id.starts_with("EDU-ENC-")),
        "{:?}",
        failed(&encryption)
    );
    let skipped = encryption["skipped_rules"].as_array().unwrap();
    assert!(skipped
        .iter()
        .any(|s| s["rule_id"] == "EDU-HA-001" && s["by"] == "--check encryption"));

    let without = run(&["--skip", "EDU-ENC-003,high"]);
    assert!(!failed(&without).contains(&"EDU-ENC-003".to_string()));
    assert!(
        !failed(&without).contains(&"EDU-HA-001".to_string()),
        "high skipped"
    );
    assert!(failed(&without).contains(&"EDU-ENC-004".to_string()));
    let skipped = without["skipped_rules"].as_array().unwrap();
    assert!(skipped
        .iter()
        .any(|s| s["rule_id"] == "EDU-ENC-003" && s["by"] == "--skip EDU-ENC-003"));

    for flag in ["--check", "--skip"] {
        let o = check(&[p.to_str().unwrap(), flag, "EDU-NOPE-999"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{flag}: {err}");
        assert!(err.contains(flag) && err.contains("EDU-NOPE-999"), "{err}");
    }
}

#[test]
fn soft_and_hard_failure_decide_the_exit_but_never_hide_a_finding() {
    let d = tmp("soft-fail");
    let p = d.join("plan.json");
    std::fs::write(&p, unencrypted_db_plan("aws_db_instance.db").to_string()).unwrap();
    let code = |extra: &[&str]| {
        let o = check(&[&[p.to_str().unwrap()][..], extra].concat());
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).to_string(),
        )
    };
    assert_eq!(code(&[]).0, Some(1));
    let (soft, out) = code(&["--soft-fail"]);
    assert_eq!(soft, Some(0));
    assert!(out.contains("FAIL EDU-ENC-003"), "{out}");
    assert!(out.contains("reported without failing the gate"), "{out}");
    assert_eq!(
        code(&["--soft-fail", "--hard-fail-on", "EDU-ENC-003"]).0,
        Some(1)
    );
    assert_eq!(
        code(&["--hard-fail-on", "critical"]).0,
        Some(0),
        "nothing critical fails"
    );
    assert_eq!(code(&["--hard-fail-on", "high"]).0, Some(1));
    assert_eq!(
        code(&["--soft-fail-on", "high"]).0,
        Some(0),
        "high and below"
    );
    assert_eq!(
        code(&["--soft-fail-on", "medium"]).0,
        Some(1),
        "the high ones still fail"
    );
    let o = check(&[p.to_str().unwrap(), "--soft-fail-on", "encryption"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn waivers_that_match_nothing_are_reported_and_can_fail_the_gate() {
    let d = tmp("stale-waivers");
    let p = d.join("plan.json");
    std::fs::write(&p, unencrypted_db_plan("aws_db_instance.db").to_string()).unwrap();
    let w = d.join("waivers.yaml");
    std::fs::write(
        &w,
        "waivers:\n  - rule: \"*\"\n    resource: aws_db_instance.db\n    reason: migrating\n  - rule: EDU-ENC-003\n    resource: aws_db_instance.renamed\n    reason: typo\n",
    )
    .unwrap();
    let args = [p.to_str().unwrap(), "--waivers", w.to_str().unwrap()];
    let r = json_of(&check(&[&args[..], &["--format", "json"]].concat()));
    let stale: Vec<&str> = r["stale_waivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert!(stale[0].contains("aws_db_instance.renamed"), "{stale:?}");
    let text = check(&args);
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(
        out.contains(
            "stale waiver (matched nothing in this plan): EDU-ENC-003 on aws_db_instance.renamed"
        ),
        "{out}"
    );
    assert_eq!(
        text.status.code(),
        Some(0),
        "a stale waiver is reported, not an error"
    );
    let strict = check(&[&args[..], &["--fail-on-stale-waivers"]].concat());
    assert_eq!(
        strict.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&strict.stderr)
    );
    assert!(String::from_utf8_lossy(&strict.stderr).contains("aws_db_instance.renamed"));
}

#[test]
fn a_waiver_expiry_that_is_no_date_is_refused_with_its_waiver() {
    let d = tmp("bad-expiry");
    let p = d.join("plan.json");
    std::fs::write(&p, unencrypted_db_plan("aws_db_instance.db").to_string()).unwrap();
    for bad in ["2027-13-99", "2027-02-29", "2027-04-31"] {
        let w = d.join("waivers.yaml");
        let text = format!("waivers:\n  - rule: EDU-ENC-003\n    resource: \"*\"\n    reason: r\n    expires: \"{bad}\"\n");
        std::fs::write(&w, text).unwrap();
        let o = check(&[p.to_str().unwrap(), "--waivers", w.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{bad}: {err}");
        assert!(
            err.contains(bad) && err.contains("EDU-ENC-003"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn github_annotations_survive_commas_and_colons_in_addresses() {
    let d = tmp("github-escape");
    let p = d.join("plan.json");
    let address = r#"aws_db_instance.db["a,b:c"]"#;
    std::fs::write(&p, unencrypted_db_plan(address).to_string()).unwrap();
    let o = check(&[p.to_str().unwrap(), "--format", "github"]);
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out
        .lines()
        .find(|l| l.contains("EDU-ENC-003"))
        .unwrap_or_else(|| panic!("{out}"));
    let (command, message) = line.split_once("::").unwrap().1.split_once("::").unwrap();
    // Properties are split at `,` and named up to `:` by the runner: neither may stand raw in
    // a value.
    let properties = command.split_once(' ').unwrap().1;
    for property in properties.split(',') {
        let (name, value) = property.split_once('=').unwrap();
        assert!(["file", "title"].contains(&name), "{line}");
        assert!(!value.contains(':'), "{line}");
    }
    assert!(properties.contains("a%2Cb%3Ac"), "{line}");
    assert!(!message.is_empty());
}

#[test]
fn sarif_and_junit_have_their_required_shape() {
    let plan = common::shared().join("fixtures/plans/regula__iam_admin_policy.json");
    let o = check(&[plan.to_str().unwrap(), "--format", "sarif"]);
    let s = json_of(&o);
    assert_eq!(s["version"], "2.1.0");
    let run = &s["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "edulibra-validate");
    let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert!(["error", "warning", "note", "none"].contains(&r["level"].as_str().unwrap()));
        assert!(r["message"]["text"].is_string());
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rule_ids[idx], r["ruleId"].as_str().unwrap());
        assert!(r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].is_string());
    }
    // Valid against the official SARIF 2.1.0 schema (installed by scripts/install-tools.sh),
    // which also refuses a document that lacks a required property.
    let tools = std::env::var_os("EDULIBRA_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::manifest_dir().join("../.tools"));
    let schema = tools.join("sarif/sarif-2.1.0.json");
    assert!(
        schema.is_file(),
        "{} is missing: run scripts/install-tools.sh (make test does)",
        schema.display()
    );
    let dir = tmp("sarif");
    let doc = dir.join("report.sarif");
    std::fs::write(&doc, &o.stdout).unwrap();
    let py = "import json, sys, jsonschema\nschema = json.load(open(sys.argv[1]))\ndoc = json.load(open(sys.argv[2]))\njsonschema.Draft4Validator.check_schema(schema)\njsonschema.Draft4Validator(schema).validate(doc)\ndel doc['runs'][0]['tool']\nassert list(jsonschema.Draft4Validator(schema).iter_errors(doc)), 'the schema refuses a run without a tool'\nprint('valid')";
    let out = Command::new(tools.join("moto/bin/python"))
        .args(["-c", py])
        .arg(&schema)
        .arg(&doc)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "SARIF output is not valid: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let o = check(&[plan.to_str().unwrap(), "--format", "junit"]);
    let x = String::from_utf8(o.stdout).unwrap();
    assert!(x.starts_with("<?xml"));
    // (quick-junit writes a passing case as an empty element: the parser below counts cases.)
    assert_eq!(x.matches("<testsuite ").count(), 1);
    assert!(x.contains("<failure "));
    // A real XML parser reads it as JUnit: testsuites > testsuite > testcase with failures.
    let dir = tmp("junit");
    let path = dir.join("report.xml");
    std::fs::write(&path, &x).unwrap();
    let py = "import sys, xml.etree.ElementTree as E\nr = E.parse(sys.argv[1]).getroot()\nassert r.tag == 'testsuites'\ns = r.find('testsuite')\ncases = s.findall('testcase')\nassert sum(1 for c in cases if c.find('failure') is not None) == int(s.get('failures'))\nassert len(cases) == int(s.get('tests')) == int(r.get('tests'))\nassert sum(1 for c in cases if c.find('skipped') is not None) == int(s.get('skipped'))\nprint(len(cases))";
    let out = Command::new("python3")
        .args(["-c", py])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_built_in_rules_pass_their_own_tests() {
    let o = bin().args(["test", "--coverage"]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let last = out.lines().rev().find(|l| l.contains(" passed, ")).unwrap();
    assert!(last.ends_with(" 0 failed"), "{last}");
    assert!(out.contains("coverage"));
}

#[test]
fn docs_rules_md_lists_every_rule_as_generated() {
    let out = bin()
        .args(["rules", "--format", "markdown"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    let doc = std::fs::read_to_string(common::manifest_dir().join("../docs/rules.md")).unwrap();
    let begin = "<!-- BEGIN RULES (generated) -->\n";
    let start = doc
        .find(begin)
        .expect("docs/rules.md has the generated section")
        + begin.len();
    let end = doc[start..].find("<!-- END RULES -->").unwrap() + start;
    assert_eq!(
        &doc[start..end],
        table,
        "docs/rules.md is out of date: run `make docs`"
    );
}

/// A rule's `assumes` (the AWS defaults it relies on) is a list of strings; anything else stops
/// the gate naming the file, and a well-formed one is shown by `explain`.
#[test]
fn assumed_aws_defaults_are_a_list_of_strings() {
    let d = tmp("assumes");
    let plan = common::shared().join("fixtures/plans/tfc__sqs_kms.json");
    let rule = |assumes: &str| {
        format!(
            "package edulibra.rules.custom_as\nimport rego.v1\n\nmetadata := {{\"id\": \"CUSTOM-AS-1\", \"title\": \"t\", \"category\": \"custom\", \"assumes\": {assumes}}}\n\nresource_types := {{\"aws_sqs_queue\"}}\n\ndeny contains msg if {{\n  false\n  msg := \"m\"\n}}\n"
        )
    };
    for (name, assumes) in [("text", r#""SSE-SQS is on""#), ("numbers", "[1]")] {
        let dir = d.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("custom_as.rego"), rule(assumes)).unwrap();
        let o = check(&[plan.to_str().unwrap(), "--policy", dir.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains("assumes") && err.contains("custom_as.rego"),
            "{name}: {err}"
        );
    }
    let o = bin().args(["explain", "EDU-ENC-006"]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("Assumes: The default parameter group of RDS for PostgreSQL 15"),
        "{out}"
    );
}

/// A plan rule's `plan_types` narrows what compiled runs give it; one that is not a set of
/// strings, or that leaves out the rule's own subjects, is refused when the rules load.
#[test]
fn plan_types_that_cannot_hold_are_refused() {
    let d = tmp("plan-types");
    let plan = common::shared().join("fixtures/plans/tfc__sqs_kms.json");
    let rule = |plan_types: &str| {
        format!(
            "package edulibra.rules.custom_pt\nimport rego.v1\n\nmetadata := {{\"id\": \"CUSTOM-PT-1\", \"title\": \"t\", \"severity\": \"low\", \"category\": \"custom\"}}\n\nresource_types := {{\"aws_sqs_queue\"}}\n\nscope := \"plan\"\n\nplan_types := {plan_types}\n\ndeny contains {{\"resource\": r.address, \"msg\": \"m\"}} if {{\n  some r in input.resources\n  r.type in plan_types\n  false\n}}\n"
        )
    };
    for (name, plan_types, expected) in [
        (
            "list",
            r#"["aws_sqs_queue"]"#,
            "plan_types is not a set of strings",
        ),
        ("numbers", "{1, 2}", "plan_types is not a set of strings"),
        (
            "narrow",
            r#"{"aws_kms_key"}"#,
            "plan_types leaves out aws_sqs_queue",
        ),
    ] {
        let dir = d.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("custom_pt.rego"), rule(plan_types)).unwrap();
        let o = check(&[plan.to_str().unwrap(), "--policy", dir.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(expected) && err.contains("custom_pt.rego"),
            "{name}: {err}"
        );
    }
    // A set that covers the subjects loads, and the rule runs.
    let dir = d.join("fine");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("custom_pt.rego"),
        rule(r#"{"aws_sqs_queue", "aws_kms_key"}"#),
    )
    .unwrap();
    let o = check(&[plan.to_str().unwrap(), "--policy", dir.to_str().unwrap()]);
    assert_ne!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn an_environment_child_finding_points_at_the_environment_argument_that_decides_it() {
    let d = tmp("env-source");
    let plan = d.join("plan.json");
    std::fs::write(&plan, environment_plan(false).to_string()).unwrap();
    std::fs::write(
        d.join("main.tf"),
        "module \"edulibra\" {\n  source = \"./modules/edulibra\"\n}\n",
    )
    .unwrap();
    let module = |body: &str| {
        std::fs::create_dir_all(d.join("modules/edulibra")).unwrap();
        std::fs::write(
            d.join("modules/edulibra/main.tf"),
            format!("resource \"edulibra_environment\" \"this\" {{\n  name = \"edu\"\n{body}}}\n"),
        )
        .unwrap();
    };
    let located = |rule: &str| {
        let o = bin()
            .current_dir(&d)
            .args(["check", "plan.json", "--format", "json"])
            .output()
            .unwrap();
        let r = json_of(&o);
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == rule)
            .map(|f| f["location"].clone())
            .unwrap()
    };
    // As an object argument: its line; as a block: the attribute inside it.
    module("  database = {\n    engine   = \"postgres\"\n    multi_az = false\n  }\n");
    assert_eq!(
        located("EDU-HA-001"),
        json!({"file": "modules/edulibra/main.tf", "line": 3})
    );
    module("  database {\n    engine   = \"postgres\"\n    multi_az = false\n  }\n");
    assert_eq!(
        located("EDU-HA-001"),
        json!({"file": "modules/edulibra/main.tf", "line": 5})
    );
    // A finding no argument decides: the environment's block.
    module("");
    assert_eq!(
        located("EDU-HA-001"),
        json!({"file": "modules/edulibra/main.tf", "line": 1})
    );
}
