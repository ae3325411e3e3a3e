//! Findings on the `.tf` line: a configuration with nested modules, `for_each` instances and a
//! module installed from a registry (found through `.terraform/modules/modules.json`), judged
//! with `--source`, in every output format that carries a location; inline and tag waivers;
//! sources that do not match the plan.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

fn workdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("edulibra-sources-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, file: &str, text: &str) {
    let p = dir.join(file);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The 1-based line of the first line of `file` containing `needle`, found by the test itself.
fn line_of(dir: &Path, file: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in {file}"))
        + 1
}

const ROOT: &str = r#"terraform {
  required_version = ">= 1.0"
}

module "app" {
  source   = "./modules/app"
  for_each = toset(["a", "b"])
}

resource "aws_db_instance" "db" {
  engine            = "postgres"
  instance_class    = "db.t4g.micro"
  storage_encrypted = true
  multi_az          = false

  tags = {
    team = "data"
  }
}
"#;

const APP: &str = r#"module "store" {
  source  = "example/store/aws"
  version = "1.0.0"
}

resource "aws_cloudtrail" "t" {
  name                          = "trail"
  s3_bucket_name                = "logs"
  is_multi_region_trail         = true
  enable_log_file_validation    = false
}
"#;

const STORE: &str = r#"resource "aws_kms_key" "k" {
  description = "data key"
  # edulibra:waive EDU-ENC-016 expires=2099-01-01 reason="rotated by the HSM team's own schedule"
  enable_key_rotation = false
}

resource "aws_sqs_queue" "q" {
  name = "jobs"
  dynamic "redrive_allow_policy" {
    for_each = []
    content {
      redrive_permission = "denyAll"
    }
  }
  sqs_managed_sse_enabled = false
}
"#;

fn setup(dir: &Path) {
    write(dir, "main.tf", ROOT);
    write(dir, "modules/app/main.tf", APP);
    write(dir, ".terraform/modules/app.store/main.tf", STORE);
    write(
        dir,
        ".terraform/modules/modules.json",
        &json!({"Modules": [
            {"Key": "", "Source": "", "Dir": "."},
            {"Key": "app", "Source": "./modules/app", "Dir": "modules/app"},
            {"Key": "app.store", "Source": "registry.terraform.io/example/store/aws", "Version": "1.0.0",
             "Dir": ".terraform/modules/app.store"}
        ]})
        .to_string(),
    );
}

fn rc(module: &str, kind: &str, name: &str, after: Value) -> Value {
    let address = if module.is_empty() {
        format!("{kind}.{name}")
    } else {
        format!("{module}.{kind}.{name}")
    };
    let mut v = json!({"address": address, "mode": "managed", "type": kind, "name": name,
        "change": {"actions": ["create"], "after": after, "after_unknown": {}}});
    if !module.is_empty() {
        v["module_address"] = json!(module);
    }
    v
}

fn plan(extra: Vec<Value>) -> Value {
    let mut changes = vec![rc(
        "",
        "aws_db_instance",
        "db",
        json!({"engine": "postgres", "engine_version": "16.3", "storage_encrypted": true, "multi_az": false,
               "publicly_accessible": false, "tags": {"team": "data",
               "edulibra:waive:EDU-LOG-012": "expires=2099-01-01 reason=exports are set by the DBA runbook"}}),
    )];
    for k in ["a", "b"] {
        let app = format!("module.app[\"{k}\"]");
        changes.push(rc(
            &app,
            "aws_cloudtrail",
            "t",
            json!({"name": "trail", "is_multi_region_trail": true, "enable_log_file_validation": false,
                   "enable_logging": true, "include_global_service_events": true}),
        ));
        let store = format!("{app}.module.store");
        changes.push(rc(
            &store,
            "aws_kms_key",
            "k",
            json!({"enable_key_rotation": false, "customer_master_key_spec": "SYMMETRIC_DEFAULT"}),
        ));
        changes.push(rc(
            &store,
            "aws_sqs_queue",
            "q",
            json!({"name": "jobs", "sqs_managed_sse_enabled": false}),
        ));
    }
    changes.extend(extra);
    json!({"format_version": "1.2", "resource_changes": changes})
}

/// `plan.json` of the plan with `extra` resources in `dir`.
fn write_plan(dir: &Path, extra: Vec<Value>) {
    std::fs::write(dir.join("plan.json"), plan(extra).to_string()).unwrap();
}

/// A work directory with `plan.json`, and the configuration's sources when `with_sources`.
fn plan_dir(name: &str, with_sources: bool) -> PathBuf {
    let dir = workdir(name);
    if with_sources {
        setup(&dir);
    }
    write_plan(&dir, vec![]);
    dir
}

fn check(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edulibra-validate"))
        .current_dir(dir)
        .arg("check")
        .args(args)
        .output()
        .unwrap()
}

fn read_json(path: PathBuf) -> Value {
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn every_finding_carries_its_file_and_line_in_every_format() {
    let dir = plan_dir("formats", true);
    let out = check(
        &dir,
        &[
            "plan.json",
            "--source",
            ".",
            "-o",
            "json=report.json",
            "-o",
            "sarif=report.sarif",
            "-o",
            "gitlab=quality.json",
            "-o",
            "junit=junit.xml",
            "-o",
            "github=-",
            "-o",
            "gitlab-sast=sast.json",
            "-o",
            "summary=summary.md",
            "--waivers-report",
            "waivers.md",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        !stderr.contains("warning"),
        "sources match the plan: {stderr}"
    );

    let app = "modules/app/main.tf";
    let store = ".terraform/modules/app.store/main.tf";
    // (rule, resource, file, line): the argument's line where the rule names one the block sets,
    // else the block's line.
    let mut expected = vec![
        (
            "EDU-HA-001",
            "aws_db_instance.db".to_string(),
            "main.tf",
            line_of(&dir, "main.tf", "multi_az"),
        ),
        (
            "EDU-ENC-004",
            "aws_db_instance.db".to_string(),
            "main.tf",
            line_of(&dir, "main.tf", "storage_encrypted"),
        ),
    ];
    for k in ["a", "b"] {
        expected.push((
            "EDU-LOG-002",
            format!("module.app[\"{k}\"].aws_cloudtrail.t"),
            app,
            line_of(&dir, app, "enable_log_file_validation"),
        ));
        expected.push((
            "EDU-LOG-005",
            format!("module.app[\"{k}\"].aws_cloudtrail.t"),
            app,
            line_of(&dir, app, "resource \"aws_cloudtrail\""),
        ));
        expected.push((
            "EDU-ENC-018",
            format!("module.app[\"{k}\"].module.store.aws_sqs_queue.q"),
            store,
            line_of(&dir, store, "sqs_managed_sse_enabled"),
        ));
    }

    let report = read_json(dir.join("report.json"));
    let findings = report["findings"].as_array().unwrap();
    let sarif = read_json(dir.join("report.sarif"));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let quality = read_json(dir.join("quality.json"));
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    let github = String::from_utf8_lossy(&out.stdout);
    let sast = read_json(dir.join("sast.json"));
    assert_eq!(sast["version"], "15.0.7");
    assert_eq!(sast["scan"]["type"], "sast");
    assert_eq!(sast["scan"]["status"], "success");
    let vulns = sast["vulnerabilities"].as_array().unwrap();
    let ids: std::collections::BTreeSet<&str> =
        vulns.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), vulns.len(), "ids are unique");
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(
        summary.starts_with("## ❌ EduLibra policy gate: failed"),
        "{summary}"
    );
    assert!(summary.contains("<summary>3 waived</summary>"), "{summary}");
    for (rule, resource, file, line) in &expected {
        let v = vulns
            .iter()
            .find(|v| {
                v["identifiers"][0]["value"] == *rule
                    && v["description"]
                        .as_str()
                        .unwrap()
                        .contains(resource.as_str())
            })
            .unwrap_or_else(|| panic!("{rule} {resource} in the SAST report"));
        assert_eq!(v["location"], json!({"file": file, "start_line": line}));
        assert!(
            summary.contains(&format!("| {rule} | `{resource}` | `{file}:{line}` |")),
            "{rule} {resource} in {summary}"
        );
        let f = findings
            .iter()
            .find(|f| f["rule_id"] == *rule && f["resource"] == resource.as_str())
            .unwrap_or_else(|| panic!("{rule} on {resource} not found"));
        assert_eq!(
            f["location"],
            json!({"file": file, "line": line}),
            "{rule} {resource}"
        );
        let r = results
            .iter()
            .find(|r| {
                r["ruleId"] == *rule
                    && r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                        == resource.as_str()
            })
            .unwrap();
        let physical = &r["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], *file);
        assert_eq!(physical["region"]["startLine"], *line);
        let q = quality
            .as_array()
            .unwrap()
            .iter()
            .find(|q| {
                q["check_name"] == *rule
                    && q["description"]
                        .as_str()
                        .unwrap()
                        .contains(resource.as_str())
            })
            .unwrap();
        assert_eq!(
            q["location"],
            json!({"path": file, "lines": {"begin": line}})
        );
        let escaped = resource.replace(':', "%3A").replace(',', "%2C");
        assert!(
            github.lines().any(|l| l.contains(&format!(
                "file={},line={line},title={rule} {escaped}::",
                file.replace(':', "%3A")
            ))),
            "{rule} {resource} in {github}"
        );
        let name = format!("name=\"{}\"", resource.replace('"', "&quot;"));
        let case = junit
            .lines()
            .find(|l| {
                l.contains("<testcase")
                    && l.contains(&name)
                    && l.contains(&format!("classname=\"{rule}\""))
            })
            .unwrap_or_else(|| panic!("{rule} {resource} in {junit}"));
        assert!(
            case.contains(&format!("file=\"{file}\" line=\"{line}\"")),
            "{case}"
        );
    }

    // The inline comment waives both instances of the key; the tag waives the database's logs.
    for k in ["a", "b"] {
        let key = format!("module.app[\"{k}\"].module.store.aws_kms_key.k");
        let f = findings
            .iter()
            .find(|f| f["rule_id"] == "EDU-ENC-016" && f["resource"] == key.as_str())
            .unwrap();
        assert_eq!(f["status"], "waived");
    }
    let logs = findings
        .iter()
        .find(|f| f["rule_id"] == "EDU-LOG-012" && f["resource"] == "aws_db_instance.db")
        .unwrap();
    assert_eq!(logs["status"], "waived");
    let waivers = std::fs::read_to_string(dir.join("waivers.md")).unwrap();
    let inline_line = line_of(&dir, store, "edulibra:waive");
    let row = waivers
        .lines()
        .find(|l| l.contains("EDU-ENC-016"))
        .unwrap_or_else(|| panic!("{waivers}"));
    assert!(
        row.contains(&format!("({store}:{inline_line})"))
            && row.contains("2099-01-01")
            && row.contains("in force"),
        "{row}"
    );
    assert_eq!(row.matches("EDU-ENC-016 module.app").count(), 2, "{row}");
}

fn stray_plan_entry() -> Value {
    rc(
        "",
        "aws_db_instance",
        "stray",
        json!({"engine": "postgres", "engine_version": "16.3", "storage_encrypted": false}),
    )
}

#[test]
fn the_current_directory_is_read_by_default_and_stale_sources_only_warn() {
    let dir = workdir("default");
    setup(&dir);
    // A resource the sources do not hold: a warning naming it, and its finding keeps no file.
    write_plan(&dir, vec![stray_plan_entry()]);
    let with = check(&dir, &["plan.json", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&with.stderr);
    assert!(
        stderr.contains("aws_db_instance.stray: in the plan but not in the sources"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&with.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .filter(|f| f["resource"] == "aws_db_instance.stray")
        .all(|f| f.get("location").is_none()));
    assert!(findings
        .iter()
        .any(|f| f["resource"] == "aws_db_instance.db" && f["location"]["file"] == "main.tf"));

    // Sources of another configuration: ten resources named, then a count, not one line each.
    let unrelated: Vec<Value> = (0..25)
        .map(|i| {
            rc(
                "",
                "aws_sqs_queue",
                &format!("other{i}"),
                json!({"name": "q", "sqs_managed_sse_enabled": true}),
            )
        })
        .collect();
    write_plan(&dir, unrelated);
    let many = check(&dir, &["plan.json", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&many.stderr);
    assert_eq!(
        stderr.matches("in the plan but not in the sources").count(),
        10,
        "{stderr}"
    );
    assert!(
        stderr.contains("15 more resources of the plan are not in the sources"),
        "{stderr}"
    );
    write_plan(&dir, vec![stray_plan_entry()]);

    // Without sources the verdicts are the same, the inline waiver aside.
    let without = check(&dir, &["plan.json", "--format", "json", "--no-source"]);
    let bare: Value = serde_json::from_slice(&without.stdout).unwrap();
    assert_eq!(with.status.code(), without.status.code());
    let verdicts = |r: &Value| -> Vec<(String, String, String)> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] != "EDU-ENC-016")
            .map(|f| {
                (
                    f["rule_id"].to_string(),
                    f["resource"].to_string(),
                    f["status"].to_string(),
                )
            })
            .collect()
    };
    assert_eq!(verdicts(&report), verdicts(&bare));
    assert!(bare["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f.get("location").is_none()));
    assert!(bare["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule_id"] == "EDU-ENC-016" && f["status"] == "fail"));
}

#[test]
fn a_waiver_without_reason_or_expiry_stops_the_gate_at_its_line() {
    for (bad, why) in [
        (
            "# edulibra:waive EDU-HA-001 expires=2099-01-01",
            "has no reason",
        ),
        (
            "# edulibra:waive EDU-HA-001 reason=\"ok\"",
            "has no expires",
        ),
        (
            "// edulibra:waive EDU-HA-001 expires=2027-02-30 reason=\"ok\"",
            "not a YYYY-MM-DD date",
        ),
    ] {
        let dir = workdir("bad-inline");
        setup(&dir);
        write(
            &dir,
            "main.tf",
            &ROOT.replace(
                "  multi_az          = false",
                &format!("  {bad}\n  multi_az = false"),
            ),
        );
        write_plan(&dir, vec![]);
        let out = check(&dir, &["plan.json"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        let at = format!("main.tf:{}:", line_of(&dir, "main.tf", "edulibra:waive"));
        assert!(
            stderr.contains(&at) && stderr.contains(why),
            "{bad}: {stderr}"
        );
    }
    // A tag waiver with no reason names its resource and tag.
    let dir = workdir("bad-tag");
    let mut p = plan(vec![]);
    p["resource_changes"][0]["change"]["after"]["tags"]["edulibra:waive:EDU-LOG-012"] =
        json!("expires=2099-01-01");
    std::fs::write(dir.join("plan.json"), p.to_string()).unwrap();
    let out = check(&dir, &["plan.json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("aws_db_instance.db: tag edulibra:waive:EDU-LOG-012")
            && stderr.contains("no reason"),
        "{stderr}"
    );
}

#[test]
fn a_source_directory_without_configuration_is_refused() {
    let dir = plan_dir("empty", false);
    std::fs::create_dir_all(dir.join("infra")).unwrap();
    let out = check(&dir, &["plan.json", "--source", "infra"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("infra: holds no .tf files"), "{stderr}");
}

#[test]
fn reports_group_findings_by_compliance_control() {
    let dir = plan_dir("frameworks", false);
    let out = check(
        &dir,
        &[
            "plan.json",
            "--no-source",
            "--group-by",
            "framework",
            "-o",
            "markdown=-",
            "-o",
            "sarif=gate.sarif",
        ],
    );
    let md = String::from_utf8_lossy(&out.stdout);
    // Two trails without log file validation: CIS 3.2 fails through EDU-LOG-002.
    assert!(
        md.contains("| cis-aws-3.0.0 | 3.2 | FAIL | EDU-LOG-002 | 2 | 0 | 0 |"),
        "{md}"
    );
    // The database is single-AZ: FSBP RDS.5.
    assert!(
        md.contains("| aws-fsbp | RDS.5 | FAIL | EDU-HA-001 | 1 |"),
        "{md}"
    );
    // No VPC in the plan: the flow-log control did not apply, so it is not called passed.
    assert!(
        md.contains("| cis-aws-3.0.0 | 3.7 | n/a | EDU-LOG-006 |"),
        "{md}"
    );
    // Rules that map to no control are counted, not dropped.
    assert!(md.contains("| (no framework) | - |"), "{md}");

    let sarif = read_json(dir.join("gate.sarif"));
    let rule = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "EDU-HA-001")
        .unwrap();
    assert!(rule["properties"]["tags"]
        .as_array()
        .unwrap()
        .contains(&json!("aws-fsbp/RDS.5")));
    // helpUri leads to the rule's own heading in docs/rules.md.
    let docs = std::fs::read_to_string(common::manifest_dir().join("../docs/rules.md")).unwrap();
    for r in sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
    {
        let id = r["id"].as_str().unwrap();
        let uri = r["helpUri"].as_str().unwrap();
        assert!(
            uri.ends_with(&format!("docs/rules.md#{}", id.to_lowercase())),
            "{uri}"
        );
        assert!(
            docs.contains(&format!("\n### {id}\n")),
            "docs/rules.md has no heading for {id}"
        );
    }

    // Every mapped id has the shape of its framework's ids.
    let rules: Value = serde_json::from_slice(
        &Command::new(env!("CARGO_BIN_EXE_edulibra-validate"))
            .args(["rules", "--format", "json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let mut mapped = 0;
    for r in rules.as_array().unwrap() {
        for (framework, ids) in r["metadata"]["compliance"].as_object().unwrap() {
            for id in ids.as_array().unwrap() {
                let id = id.as_str().unwrap();
                let ok = match framework.as_str() {
                    "aws-fsbp" | "aws-securityhub" => id.split_once('.').is_some_and(|(svc, n)| {
                        svc.chars().all(|c| c.is_ascii_alphanumeric()) && n.parse::<u32>().is_ok()
                    }),
                    "cis-aws-3.0.0" => id.split('.').all(|n| n.parse::<u32>().is_ok()),
                    other => panic!("unknown framework {other}"),
                };
                assert!(ok, "{}: {framework} {id}", r["metadata"]["id"]);
                mapped += 1;
            }
        }
    }
    assert!(mapped > 40, "{mapped} mapped controls");
}

#[test]
fn a_config_file_gives_what_the_flags_give_and_flags_override_it() {
    let dir = plan_dir("config", true);
    std::fs::create_dir_all(dir.join("ci")).unwrap();
    let flags = check(
        &dir,
        &[
            "plan.json",
            "--no-config",
            "--source",
            ".",
            "--skip",
            "logging",
            "--fail-on",
            "high",
            "--soft-fail-on",
            "EDU-HA-001",
            "-o",
            "json=ci/flags.json",
            "-o",
            "sarif=ci/flags.sarif",
        ],
    );
    std::fs::write(
        dir.join(".edulibra.yaml"),
        "# the gate of this repository\nsource: .\nskip: [logging]\nfail-on: high\nsoft-fail-on: EDU-HA-001\noutput:\n  - json=ci/file.json\n  - sarif=ci/file.sarif\n",
    )
    .unwrap();
    let from_file = check(&dir, &["plan.json"]);
    assert_eq!(
        flags.status.code(),
        from_file.status.code(),
        "{}",
        String::from_utf8_lossy(&from_file.stderr)
    );
    let a = read_json(dir.join("ci/flags.json"));
    let b = read_json(dir.join("ci/file.json"));
    assert_eq!(a["findings"], b["findings"]);
    assert_eq!(a["skipped_rules"], b["skipped_rules"]);
    assert_eq!(a["gate"], b["gate"]);
    assert!(a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["category"] != "logging"));
    assert!(a["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["location"]["file"] == "main.tf"));
    let runs = |p: &str| read_json(dir.join(p))["runs"][0]["results"].clone();
    assert_eq!(runs("ci/flags.sarif"), runs("ci/file.sarif"));

    // Found upward from a subdirectory; paths in it are relative to the file, and the sources'
    // files are named relative to where the gate runs.
    let below = check(&dir.join("ci"), &["../plan.json", "-o", "json=-"]);
    let below: Value = serde_json::from_slice(&below.stdout).unwrap();
    assert_eq!(
        below["findings"].as_array().unwrap().len(),
        b["findings"].as_array().unwrap().len()
    );
    assert!(
        below["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["location"]["file"] == "../main.tf"),
        "{below}"
    );

    // A flag overrides the file: --fail-on low blocks on the medium findings too.
    let overridden = check(
        &dir,
        &["plan.json", "--fail-on", "low", "-o", "json=ci/low.json"],
    );
    let low = read_json(dir.join("ci/low.json"));
    assert!(
        low["gate"]["blocking"].as_u64() > b["gate"]["blocking"].as_u64(),
        "{low}"
    );
    assert_eq!(overridden.status.code(), Some(1));

    // A wrong key or type names the file, line and key.
    for (text, want) in [
        (
            "format: json\nsoft-fial: true\n",
            ".edulibra.yaml:2: soft-fial: unknown field",
        ),
        (
            "skip: logging\nfail-on: [high]\n",
            ".edulibra.yaml:2: fail-on: invalid type",
        ),
        (
            "fail-on: severe\n",
            ".edulibra.yaml: fail-on: invalid variant: severe",
        ),
    ] {
        std::fs::write(dir.join(".edulibra.yaml"), text).unwrap();
        let o = check(&dir, &["plan.json"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "{want} in {err}");
    }
    // --no-config reads none.
    assert_eq!(
        check(&dir, &["plan.json", "--no-config", "--no-source"])
            .status
            .code(),
        Some(1)
    );
}
