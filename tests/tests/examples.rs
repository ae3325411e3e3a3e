//! Issue "the module, the examples and the docs": the examples a user copies run as written
//! against the emulator: a reviewer's own rule and waivers (custom-policy), state in S3 with
//! DynamoDB locking (remote-state), and the CI workflow (checked for syntax and commands).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use edulibra_e2e::engine::{counts, planned_counts};
use edulibra_e2e::{
    boto3, environment_in_state, inventory, provider_binary, repo_root, tools_dir,
    validator_binary, Moto, Workspace,
};

fn example(moto: &Moto, name: &str, tag: &str) -> Workspace {
    let mut ws = Workspace::new(tag).unwrap();
    ws.copy_repo_dir(&format!("examples/{name}")).unwrap();
    ws.copy_repo_dir("modules/edulibra").unwrap();
    ws.dir = ws.dir.join(format!("examples/{name}"));
    ws.extra_env
        .push(("TF_VAR_aws_endpoint".into(), moto.endpoint()));
    ws
}

/// (rule, child) of the policy warnings in Terraform's output.
fn warnings(text: &str, rule: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.split_once(&format!("Warning: {rule}:")))
        .filter_map(|(_, rest)| {
            rest.rsplit_once(" (")
                .map(|(_, c)| c.trim_end_matches(')').to_string())
        })
        .collect()
}

#[test]
fn custom_policy_a_reviewers_rule_runs_in_plan_and_in_ci_with_its_waivers() {
    let validate = validator_binary().unwrap();
    let tests = Command::new(&validate)
        .args(["test"])
        .arg(repo_root().join("examples/custom-policy/policies"))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&tests.stdout);
    assert!(
        tests.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&tests.stderr)
    );
    assert!(
        out.contains("3 passed") || out.matches("PASS").count() >= 3,
        "{out}"
    );

    let moto = Moto::start().unwrap();
    let ws = example(&moto, "custom-policy", "ex-custom");
    ws.tf_ok(".", &["init", "-input=false", "-no-color"])
        .unwrap();
    let tagged = ws
        .tf_ok(".", &["plan", "-input=false", "-no-color"])
        .unwrap();
    assert!(
        warnings(&tagged.combined(), "ACME-TAG-001").is_empty(),
        "{}",
        tagged.combined()
    );

    // Without the tag, the plan warns on every child of the rule's types, but the waived VPC.
    let untagged = ws
        .tf_ok(
            ".",
            &[
                "plan",
                "-input=false",
                "-no-color",
                "-var=cost_center=",
                "-out=tfplan",
            ],
        )
        .unwrap();
    let warned = warnings(&untagged.combined(), "ACME-TAG-001");
    assert!(
        warned.contains(&"aws_s3_bucket.site".to_string()),
        "{warned:?}"
    );
    assert!(
        !warned.iter().any(|c| c == "aws_vpc.main"),
        "the VPC is waived: {warned:?}"
    );

    // CI gives the same verdicts with the same files.
    let shown = ws.tf_ok(".", &["show", "-json", "tfplan"]).unwrap();
    std::fs::write(ws.dir.join("plan.json"), &shown.stdout).unwrap();
    let o = Command::new(&validate)
        .current_dir(&ws.dir)
        .args([
            "check",
            "plan.json",
            "--policy",
            "policies",
            "--waivers",
            "waivers.yaml",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut failing: Vec<String> = Vec::new();
    for f in report["findings"].as_array().unwrap() {
        if f["rule_id"] != "ACME-TAG-001" {
            continue;
        }
        let child = f["resource"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        if child == "aws_vpc.main" {
            assert_eq!(f["status"], "waived");
        } else if f["status"] == "fail" {
            failing.push(child);
        }
    }
    failing.sort();
    let mut warned = warned;
    warned.sort();
    assert_eq!(failing, warned, "plan and CI agree");
}

/// A CI file read as YAML by PyYAML (in the tools' Python), as JSON.
fn yaml(path: &std::path::Path) -> serde_json::Value {
    let py = "import json, sys, yaml\nprint(json.dumps(yaml.safe_load(open(sys.argv[1]))))";
    let out = Command::new(tools_dir().join("moto/bin/python"))
        .args(["-c", py])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} is not YAML: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn ci_workflow_plans_gates_with_sarif_and_junit_and_applies_only_on_main() {
    let wf = yaml(&repo_root().join("examples/ci/edulibra.yml"));
    let steps = |job: &str| -> String { wf["jobs"][job]["steps"].to_string() };
    let gate = steps("plan-and-gate");
    for needed in [
        "terraform plan -out=tfplan",
        "terraform show -json tfplan > plan.json",
        "github/codeql-action/upload-sarif",
        "gate.sarif",
        "steps.gate.outputs.exit-code",
    ] {
        assert!(gate.contains(needed), "the gate job runs {needed:?}");
    }
    let apply = &wf["jobs"]["apply"];
    assert_eq!(apply["needs"], "plan-and-gate");
    assert!(apply["if"].as_str().unwrap().contains("refs/heads/main"));
    assert!(steps("apply").contains("terraform apply tfplan"));

    // The gate is this repository's action, given only inputs it declares.
    let step = wf["jobs"]["plan-and-gate"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "gate")
        .expect("a step with id gate")
        .clone();
    assert_eq!(step["uses"], "./");
    let action = yaml(&repo_root().join("action.yml"));
    assert_eq!(
        action["inputs"]["version"]["default"],
        env!("CARGO_PKG_VERSION"),
        "the action installs this release by default"
    );
    let with = step["with"].as_object().unwrap();
    for key in with.keys() {
        assert!(
            action["inputs"].get(key).is_some(),
            "action.yml declares the input {key}"
        );
    }
    for (name, input) in action["inputs"].as_object().unwrap() {
        if input["required"] == true {
            assert!(
                with.contains_key(name),
                "the workflow gives the required input {name}"
            );
        }
    }

    // The validator takes every option the action passes it from those inputs.
    let dir = std::env::temp_dir().join(format!("ci-gate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let here = |v: &serde_json::Value| {
        v.as_str()
            .unwrap()
            .replace("${{ env.WORKDIR }}", &dir.display().to_string())
    };
    let plan = here(&with["plan"]);
    std::fs::write(&plan, r#"{"format_version":"1.2","resource_changes":[]}"#).unwrap();
    let mut cmd = Command::new(validator_binary().unwrap());
    cmd.arg("check")
        .arg(&plan)
        .args(["--fail-on", with["fail-on"].as_str().unwrap()]);
    let outputs = here(&with["outputs"]);
    for line in outputs.lines().map(str::trim).filter(|l| !l.is_empty()) {
        cmd.args(["--output", line]);
    }
    for needed in ["sarif=", "junit=", "github=-"] {
        assert!(outputs.contains(needed), "the gate writes {needed}");
    }
    let o = cmd.output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(dir.join("gate.sarif").is_file() && dir.join("gate.xml").is_file());
}

#[test]
fn gitlab_pipeline_gates_once_with_code_quality_and_junit_and_applies_only_on_the_default_branch() {
    let ci = yaml(&repo_root().join("examples/ci/gitlab-ci.yml"));
    let gate = &ci["plan-and-gate"];
    let script = gate["script"].to_string();
    for needed in [
        "terraform show -json tfplan > plan.json",
        "--output gitlab=gl-code-quality-report.json",
        "--output junit=gate.xml",
    ] {
        assert!(script.contains(needed), "the gate job runs {needed:?}");
    }
    let reports = &gate["artifacts"]["reports"];
    assert!(reports["codequality"]
        .as_str()
        .unwrap()
        .ends_with("gl-code-quality-report.json"));
    assert!(reports["junit"].as_str().unwrap().ends_with("gate.xml"));
    assert_eq!(
        gate["artifacts"]["when"], "always",
        "reports survive a failing gate"
    );
    assert!(ci["apply"]["rules"][0]["if"]
        .as_str()
        .unwrap()
        .contains("CI_DEFAULT_BRANCH"));

    // The gate command of the pipeline runs as written (on an empty plan, from a temp dir).
    let dir = std::env::temp_dir().join(format!("gitlab-ci-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("plan.json"),
        r#"{"format_version":"1.2","resource_changes":[]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("waivers.yaml"), "waivers: []\n").unwrap();
    let line = gate["script"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .find(|s| s.starts_with("edulibra-validate"))
        .unwrap();
    // The gate is installed as the pipeline installs it: its lines of before_script, run from a
    // release folder of this build (file:// for the organisation's release URL).
    let dist = dir.join("dist");
    let made = Command::new("python3")
        .arg(repo_root().join("scripts/release.py"))
        .args([
            "archives",
            "--allow-dirty",
            "--platform",
            "linux_amd64",
            "--out",
        ])
        .arg(&dist)
        .arg("--provider")
        .arg(provider_binary().unwrap())
        .arg("--gate")
        .arg(validator_binary().unwrap())
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let install: Vec<&str> = gate["before_script"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .filter(|s| s.contains("EDULIBRA_"))
        .collect();
    assert_eq!(install.len(), 4, "fetch, fetch, check, unpack: {install:?}");
    let o = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &install.join("\n")])
        .current_dir(&dir)
        .env("EDULIBRA_RELEASE_URL", format!("file://{}", dist.display()))
        .env(
            "EDULIBRA_VERSION",
            ci["variables"]["EDULIBRA_VERSION"].as_str().unwrap(),
        )
        .env("EDULIBRA_BIN", &bin)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        ci["variables"]["EDULIBRA_VERSION"],
        env!("CARGO_PKG_VERSION"),
        "the example installs this release"
    );
    let args: Vec<&str> = line.split_whitespace().skip(1).collect();
    let o = Command::new(bin.join("edulibra-validate"))
        .args(&args)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let cq: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("gl-code-quality-report.json")).unwrap())
            .unwrap();
    assert_eq!(cq, serde_json::json!([]), "no findings, no issues");
    assert!(dir.join("gate.xml").is_file());
}

#[test]
fn remote_state_the_second_concurrent_apply_is_refused_by_the_lock_and_nothing_is_lost() {
    let moto = Moto::start().unwrap();
    boto3(&moto, "eu-central-1", "\
client('s3').create_bucket(Bucket='acme-terraform-state', CreateBucketConfiguration={'LocationConstraint': 'eu-central-1'})
client('dynamodb').create_table(TableName='acme-terraform-locks', KeySchema=[{'AttributeName': 'LockID', 'KeyType': 'HASH'}],
    AttributeDefinitions=[{'AttributeName': 'LockID', 'AttributeType': 'S'}], BillingMode='PAY_PER_REQUEST')").unwrap();
    let ws = example(&moto, "remote-state", "ex-remote");
    let e = moto.endpoint();
    let backend: Vec<String> = [
        "bucket=acme-terraform-state".to_string(),
        "dynamodb_table=acme-terraform-locks".to_string(),
        format!("endpoint={e}"),
        format!("dynamodb_endpoint={e}"),
        format!("sts_endpoint={e}"),
        format!("iam_endpoint={e}"),
        "force_path_style=true".to_string(),
        "skip_credentials_validation=true".to_string(),
    ]
    .iter()
    .map(|kv| format!("-backend-config={kv}"))
    .collect();
    let mut init = vec!["init", "-input=false", "-no-color"];
    init.extend(backend.iter().map(String::as_str));
    ws.tf_ok(".", &init).unwrap();

    let apply = ["apply", "-auto-approve", "-input=false", "-no-color"];
    let first = ws
        .command(&ws.dir, &apply)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Start the second once the first holds the lock.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let held = boto3(
            &moto,
            "eu-central-1",
            "\
items = client('dynamodb').scan(TableName='acme-terraform-locks')['Items']
print(sum(1 for i in items if 'Info' in i))",
        )
        .unwrap();
        if held.trim() != "0" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the first apply never took the lock"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let second = ws.tf(".", &apply).unwrap();
    let first = first.wait_with_output().unwrap();
    let first_text = format!(
        "{}{}",
        String::from_utf8_lossy(&first.stdout),
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(first.status.success(), "{first_text}");
    assert!(!second.ok, "the second apply ran alongside the first");
    assert!(
        second.combined().contains("Error acquiring the state lock"),
        "{}",
        second.combined()
    );

    // Nothing lost: the state in S3 holds every child once, and a plan has no changes.
    let shown = ws.tf_ok(".", &["show", "-json"]).unwrap();
    let env = environment_in_state(&serde_json::from_str(&shown.stdout).unwrap()).unwrap();
    let inv = inventory(&moto, "eu-central-1", "shared-dev").unwrap();
    assert_eq!(counts(&inv), planned_counts(&env));
    let plan = ws
        .tf(
            ".",
            &["plan", "-input=false", "-no-color", "-detailed-exitcode"],
        )
        .unwrap();
    assert!(plan.ok, "{}", plan.combined());
    let stored = boto3(&moto, "eu-central-1", "\
print(client('s3').head_object(Bucket='acme-terraform-state', Key='edulibra/remote-state/terraform.tfstate')['ContentLength'])").unwrap();
    assert!(
        stored.trim().parse::<u64>().unwrap() > 10_000,
        "the state is in S3"
    );
    ws.tf_ok(
        ".",
        &["destroy", "-auto-approve", "-input=false", "-no-color"],
    )
    .unwrap();
    assert!(inventory(&moto, "eu-central-1", "shared-dev")
        .unwrap()
        .is_empty());
}
