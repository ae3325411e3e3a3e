//! The tested range of Terraform: the smoke path (init, plan, apply, a second plan empty, an
//! in-place update, import into an empty state, destroy) on each Terraform there is: 1.0.3 and
//! 1.15.5 (installed by `scripts/install-tools.sh`) and the `terraform` on PATH when the machine
//! has one of another version. Each prints `terraform X.Y.Z: N passed, M failed`.

use edulibra_e2e::engine::config;
use edulibra_e2e::{
    terraform_versions, Moto, Terraform, Workspace, TERRAFORM_LATEST, TERRAFORM_OLDEST,
};

struct Steps<'a> {
    tf: &'a Terraform,
    passed: usize,
    failed: Vec<String>,
}

impl Steps<'_> {
    fn check(&mut self, step: &str, ok: bool, detail: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
        } else {
            self.failed.push(format!("{step}: {}", detail()));
        }
        eprintln!(
            "terraform-{}: {step}: {}",
            self.tf.version,
            if ok { "ok" } else { "FAILED" }
        );
    }
}

/// What a non-empty plan changes, child by child (for the failure message).
fn changed_children(ws: &Workspace, text: &str) -> String {
    let Ok(shown) = ws.tf(".", &["show", "-json", "after.tfplan"]) else {
        return text.to_string();
    };
    let Ok(plan) = serde_json::from_str::<serde_json::Value>(&shown.stdout) else {
        return text.to_string();
    };
    let mut out = Vec::new();
    for r in plan["resource_changes"].as_array().into_iter().flatten() {
        let (before, after) = (&r["change"]["before"], &r["change"]["after"]);
        for key in ["topology"] {
            let b = before[key].as_array().cloned().unwrap_or_default();
            let a = after[key].as_array().cloned().unwrap_or_default();
            for (x, y) in b.iter().zip(a.iter()) {
                if x != y {
                    out.push(format!(
                        "{}:\n  before {}\n  after  {}",
                        x["address"], x["values"], y["values"]
                    ));
                }
            }
        }
        for (k, v) in after.as_object().into_iter().flatten() {
            if k != "topology" && k != "provisioned" && before.get(k) != Some(v) {
                out.push(format!(
                    "{k}: {} -> {v}",
                    before.get(k).cloned().unwrap_or_default()
                ));
            }
        }
    }
    out.join("\n")
}

fn workspace(moto: &Moto, tf: &Terraform, tag: &str, retention: u32) -> Workspace {
    let mut ws = Workspace::new(tag).unwrap();
    ws.terraform = tf.path.clone();
    ws.extra_env
        .push(("TF_VAR_endpoint".into(), moto.endpoint()));
    ws.write("main.tf", &config(retention, "platform", "10.0.0.0/16", 8))
        .unwrap();
    ws
}

fn smoke(tf: &Terraform) {
    let moto = Moto::start().unwrap();
    let mut s = Steps {
        tf,
        passed: 0,
        failed: Vec::new(),
    };
    let ws = workspace(&moto, tf, &format!("tf-{}", tf.version), 30);
    let run = |ws: &Workspace, args: &[&str]| ws.tf(".", args).unwrap();
    let init = run(&ws, &["init", "-input=false", "-no-color"]);
    s.check("init", init.ok, || init.combined());
    let plan = run(&ws, &["plan", "-input=false", "-no-color"]);
    s.check(
        "plan",
        plan.ok
            && plan
                .stdout
                .contains("edulibra_environment.env will be created"),
        || plan.combined(),
    );
    let apply = run(
        &ws,
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    );
    s.check("apply", apply.ok, || apply.combined());
    let again = run(
        &ws,
        &["plan", "-input=false", "-no-color", "-detailed-exitcode"],
    );
    s.check(
        "second plan empty",
        again.ok && again.stdout.contains("No changes"),
        || again.combined(),
    );
    // A state written by schema version 0 upgrades and plans empty.
    let path = ws.dir.join("terraform.tfstate");
    let state = std::fs::read_to_string(&path).unwrap();
    assert!(
        state.contains("\"schema_version\": 1"),
        "the state is at schema version 1"
    );
    std::fs::write(
        &path,
        state.replace("\"schema_version\": 1", "\"schema_version\": 0"),
    )
    .unwrap();
    let upgraded = run(&ws, &["plan", "-input=false", "-no-color"]);
    s.check(
        "state of schema version 0 upgrades",
        upgraded.ok && upgraded.stdout.contains("No changes"),
        || upgraded.combined(),
    );
    // An in-place update: log retention.
    ws.write("main.tf", &config(90, "platform", "10.0.0.0/16", 8))
        .unwrap();
    let update = run(
        &ws,
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    );
    s.check(
        "in-place update",
        update.ok && update.stdout.contains("1 changed"),
        || update.combined(),
    );
    // Import into an empty state, beside the first.
    let other = workspace(&moto, tf, &format!("tf-{}-import", tf.version), 90);
    let init = run(&other, &["init", "-input=false", "-no-color"]);
    let import = run(
        &other,
        &[
            "import",
            "-input=false",
            "-no-color",
            "edulibra_environment.env",
            "engine-dev",
        ],
    );
    s.check("import", init.ok && import.ok, || import.combined());
    let after = run(
        &other,
        &["plan", "-input=false", "-no-color", "-out=after.tfplan"],
    );
    let empty = after.ok && after.stdout.contains("No changes");
    s.check("plan after import empty", empty, || {
        let keys = |w: &Workspace| -> std::collections::BTreeSet<String> {
            edulibra_e2e::engine::state_env(w)["provisioned"]
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        let (applied, imported) = (keys(&ws), keys(&other));
        format!(
            "not found by import: {:?}\nonly imported: {:?}\n{}",
            applied.difference(&imported).collect::<Vec<_>>(),
            imported.difference(&applied).collect::<Vec<_>>(),
            changed_children(&other, &after.combined())
        )
    });
    let destroy = run(
        &ws,
        &["destroy", "-auto-approve", "-input=false", "-no-color"],
    );
    s.check("destroy", destroy.ok, || destroy.combined());

    // Straight to the terminal, past the harness's capture: `make test` lists the matrix.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "terraform-{}: {} passed, {} failed",
        tf.version,
        s.passed,
        s.failed.len()
    );
    assert!(
        s.failed.is_empty(),
        "terraform {}:\n{}",
        tf.version,
        s.failed.join("\n\n")
    );
}

fn version(v: &str) -> Terraform {
    terraform_versions()
        .unwrap()
        .into_iter()
        .find(|t| t.version == v)
        .unwrap_or_else(|| panic!("terraform {v} is installed by scripts/install-tools.sh"))
}

#[test]
fn smoke_on_the_oldest_supported_terraform() {
    smoke(&version(TERRAFORM_OLDEST));
}

#[test]
fn smoke_on_the_newest_terraform() {
    smoke(&version(TERRAFORM_LATEST));
}

/// The machine's own `terraform`, when there is one of a version not tested above.
#[test]
fn smoke_on_the_terraform_on_path_if_any() {
    let others: Vec<Terraform> = terraform_versions()
        .unwrap()
        .into_iter()
        .filter(|t| t.version != TERRAFORM_OLDEST && t.version != TERRAFORM_LATEST)
        .collect();
    if others.is_empty() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "no other terraform on PATH: the smoke path ran on {TERRAFORM_OLDEST} and {TERRAFORM_LATEST} only"
        );
        return;
    }
    for tf in &others {
        smoke(tf);
    }
}

/// A destroy plan reaches the provider on Terraform that knows `plan_destroy` (1.3 and later),
/// and says what the destroy keeps: on 1.15.5; skipped, saying so, on 1.0.3.
#[test]
fn a_destroy_plan_says_what_destroy_keeps() {
    use std::io::Write;
    let moto = Moto::start().unwrap();
    let tf = version(TERRAFORM_LATEST);
    let mut ws = Workspace::new("tf-destroy-plan").unwrap();
    ws.terraform = tf.path.clone();
    ws.extra_env
        .push(("TF_VAR_endpoint".into(), moto.endpoint()));
    let head = edulibra_e2e::provider_config("  policy_enforcement = \"off\"");
    ws.write(
        "main.tf",
        &format!(
            r#"{head}
resource "edulibra_environment" "env" {{
  name    = "keep"
  stage   = "staging"
  compute = "serverless"
  database {{
    deletion_protection = false
  }}
}}
"#
        ),
    )
    .unwrap();
    ws.tf_ok(".", &["init", "-input=false", "-no-color"])
        .unwrap();
    ws.tf_ok(
        ".",
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    )
    .unwrap();
    let plan = ws
        .tf_ok(".", &["plan", "-destroy", "-input=false", "-no-color"])
        .unwrap()
        .combined();
    assert!(plan.contains("Destroy keeps data"), "{plan}");
    assert!(plan.contains("final snapshot of the database"), "{plan}");
    assert!(plan.contains("edulibra:retain-on-destroy"), "{plan}");
    // force_destroy is off outside dev: the buckets' objects stop a destroy.
    assert!(plan.contains("Destroy will stop"), "{plan}");
    let _ = writeln!(
        std::io::stderr(),
        "terraform-{TERRAFORM_OLDEST}: destroy plan skipped (Terraform sends destroys to providers from 1.3 on; ran on {})",
        tf.version
    );
}

/// `import { identity = {...} }` (Terraform 1.12 and later): the environment is found by its
/// name and stage, imports with no changes, and an identity that names nothing is an error that
/// names it. On 1.15.5; skipped, saying so, on 1.0.3.
#[test]
fn import_by_identity() {
    use std::io::Write;
    let moto = Moto::start().unwrap();
    let tf = version(TERRAFORM_LATEST);
    let first = workspace(&moto, &tf, "tf-identity-apply", 30);
    first
        .tf_ok(".", &["init", "-input=false", "-no-color"])
        .unwrap();
    first
        .tf_ok(
            ".",
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )
        .unwrap();

    let importing = |tag: &str, identity: &str| {
        let ws = workspace(&moto, &tf, tag, 30);
        let cfg = format!(
            "{}\nimport {{\n  to       = edulibra_environment.env\n  identity = {{ {identity} }}\n}}\n",
            config(30, "platform", "10.0.0.0/16", 8)
        );
        ws.write("main.tf", &cfg).unwrap();
        ws.tf_ok(".", &["init", "-input=false", "-no-color"])
            .unwrap();
        ws
    };
    let ws = importing("tf-identity", "name = \"engine\", stage = \"dev\"");
    let plan = ws
        .tf_ok(".", &["plan", "-input=false", "-no-color"])
        .unwrap()
        .combined();
    assert!(
        plan.contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    ws.tf_ok(
        ".",
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    )
    .unwrap();
    let again = ws
        .tf_ok(".", &["plan", "-input=false", "-no-color"])
        .unwrap()
        .combined();
    assert!(again.contains("No changes"), "{again}");
    let shown: serde_json::Value =
        serde_json::from_str(&ws.tf_ok(".", &["show", "-json"]).unwrap().stdout).unwrap();
    let identity = &shown["values"]["root_module"]["resources"][0]["identity"];
    assert_eq!(identity["name"], "engine", "{shown}");
    assert_eq!(identity["region"], "eu-central-1", "{identity}");

    let nothing = importing("tf-identity-none", "name = \"nothing\", stage = \"dev\"");
    let out = nothing
        .tf(".", &["plan", "-input=false", "-no-color"])
        .unwrap();
    assert!(!out.ok, "{}", out.combined());
    assert!(out.combined().contains("nothing-dev"), "{}", out.combined());
    let elsewhere = importing(
        "tf-identity-region",
        "name = \"engine\", stage = \"dev\", region = \"us-west-2\"",
    );
    let out = elsewhere
        .tf(".", &["plan", "-input=false", "-no-color"])
        .unwrap();
    assert!(
        !out.ok && out.combined().contains("us-west-2"),
        "{}",
        out.combined()
    );
    let _ = writeln!(
        std::io::stderr(),
        "terraform-{TERRAFORM_OLDEST}: import by identity skipped (Terraform 1.12 and later; ran on {})",
        tf.version
    );
    first
        .tf_ok(
            ".",
            &["destroy", "-auto-approve", "-input=false", "-no-color"],
        )
        .unwrap();
}

/// The ephemeral `edulibra_database_credentials` (Terraform 1.10 and later) feeds a provisioner
/// the database's master password, which appears neither in `terraform show -json` nor in the
/// state file; an environment without a database is an error at `environment_id`. On 1.15.5;
/// skipped, saying so, on 1.0.3.
#[test]
fn ephemeral_database_credentials_stay_out_of_plan_and_state() {
    use std::io::Write;
    let moto = Moto::start().unwrap();
    let tf = version(TERRAFORM_LATEST);
    let env = workspace(&moto, &tf, "tf-ephemeral-env", 30);
    env.tf_ok(".", &["init", "-input=false", "-no-color"])
        .unwrap();
    env.tf_ok(
        ".",
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    )
    .unwrap();
    let secret = edulibra_e2e::boto3(
        &moto,
        "eu-central-1",
        "import json\nrds = client('rds')\narn = rds.describe_db_instances(DBInstanceIdentifier='engine-dev-db')['DBInstances'][0]['MasterUserSecret']['SecretArn']\nprint(json.loads(client('secretsmanager').get_secret_value(SecretId=arn)['SecretString'])['password'], end='')",
    )
    .unwrap();
    assert!(secret.len() >= 8, "moto keeps a password: {secret:?}");

    let using = |tag: &str, id: &str| {
        let mut ws = Workspace::new(tag).unwrap();
        ws.terraform = tf.path.clone();
        ws.extra_env
            .push(("TF_VAR_endpoint".into(), moto.endpoint()));
        let head = edulibra_e2e::provider_config("");
        ws.write(
            "main.tf",
            &format!(
                r#"{head}
ephemeral "edulibra_database_credentials" "db" {{
  environment_id = "{id}"
}}
resource "terraform_data" "uses" {{
  provisioner "local-exec" {{
    command     = "printf %s \"$PW\" | sha256sum | cut -c1-64 > used.txt"
    environment = {{ PW = ephemeral.edulibra_database_credentials.db.password }}
  }}
}}
"#
            ),
        )
        .unwrap();
        ws.tf_ok(".", &["init", "-input=false", "-no-color"])
            .unwrap();
        ws
    };
    let ws = using("tf-ephemeral", "engine-dev");
    ws.tf_ok(
        ".",
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    )
    .unwrap();
    let used = std::fs::read_to_string(ws.dir.join("used.txt")).unwrap();
    let digest: String = sha256_hex(secret.as_bytes());
    assert_eq!(used.trim(), digest, "the provisioner got the password");
    let shown = ws.tf_ok(".", &["show", "-json"]).unwrap().stdout;
    assert!(
        !shown.contains(&secret),
        "the password is not in `terraform show -json`"
    );
    let state = std::fs::read_to_string(ws.dir.join("terraform.tfstate")).unwrap();
    assert!(
        !state.contains(&secret),
        "the password is not in the state file"
    );

    let none = using("tf-ephemeral-none", "nothing-dev");
    let out = none
        .tf(
            ".",
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )
        .unwrap();
    assert!(!out.ok, "{}", out.combined());
    assert!(out.combined().contains("No database"), "{}", out.combined());
    assert!(
        out.combined().contains("environment_id"),
        "{}",
        out.combined()
    );
    let _ = writeln!(
        std::io::stderr(),
        "terraform-{TERRAFORM_OLDEST}: ephemeral credentials skipped (Terraform 1.10 and later; ran on {})",
        tf.version
    );
    env.tf_ok(
        ".",
        &["destroy", "-auto-approve", "-input=false", "-no-color"],
    )
    .unwrap();
}

/// SHA-256 in hex, as `sha256sum` prints it.
fn sha256_hex(bytes: &[u8]) -> String {
    let out = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(bytes)?;
            c.wait_with_output()
        })
        .unwrap();
    String::from_utf8_lossy(&out.stdout)[..64].to_string()
}

/// `terraform query` (Terraform 1.14 and later) with a `list "edulibra_environment"` block finds
/// the environments in the account by their records, filtered by stage; `-generate-config-out`
/// writes configuration whose plan imports them with no other change; a bad filter is an error
/// at its attribute. On 1.15.5; skipped, saying so, on 1.0.3.
#[test]
fn query_finds_environments_and_writes_their_import_configuration() {
    use std::io::Write;
    let moto = Moto::start().unwrap();
    let tf = version(TERRAFORM_LATEST);
    let head = edulibra_e2e::provider_config("  policy_enforcement = \"off\"");
    let env = |name: &str| {
        format!(
            "resource \"edulibra_environment\" \"{name}\" {{\n  name    = \"{name}\"\n  stage   = \"dev\"\n  compute = \"serverless\"\n}}\n"
        )
    };
    let mut apply = Workspace::new("tf-query-apply").unwrap();
    apply.terraform = tf.path.clone();
    apply
        .extra_env
        .push(("TF_VAR_endpoint".into(), moto.endpoint()));
    apply
        .write("main.tf", &format!("{head}{}{}", env("alpha"), env("beta")))
        .unwrap();
    apply
        .tf_ok(".", &["init", "-input=false", "-no-color"])
        .unwrap();
    apply
        .tf_ok(
            ".",
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )
        .unwrap();

    let mut query = Workspace::new("tf-query").unwrap();
    query.terraform = tf.path.clone();
    query
        .extra_env
        .push(("TF_VAR_endpoint".into(), moto.endpoint()));
    query.write("main.tf", &head).unwrap();
    query
        .write(
            "envs.tfquery.hcl",
            "list \"edulibra_environment\" \"dev\" {\n  provider = edulibra\n  config {\n    stage = \"dev\"\n  }\n}\n",
        )
        .unwrap();
    query
        .tf_ok(".", &["init", "-input=false", "-no-color"])
        .unwrap();
    let found = query
        .tf_ok(
            ".",
            &["query", "-no-color", "-generate-config-out=generated.tf"],
        )
        .unwrap()
        .combined();
    assert!(
        found.contains("alpha-dev") && found.contains("beta-dev"),
        "{found}"
    );
    let generated = std::fs::read_to_string(query.dir.join("generated.tf")).unwrap();
    assert!(generated.contains("import {"), "{generated}");
    let plan = query
        .tf_ok(".", &["plan", "-input=false", "-no-color"])
        .unwrap()
        .combined();
    assert!(
        plan.contains("2 to import, 0 to add, 0 to change, 0 to destroy"),
        "{plan}\n---\n{generated}"
    );

    // A stale copy of alpha's record in another bucket: the same identity twice, both named.
    edulibra_e2e::boto3(
        &moto,
        "eu-central-1",
        "s3 = client('s3')\ntags = s3.get_bucket_tagging(Bucket='alpha-dev-eu-central-1-logs')['TagSet']\ns3.create_bucket(Bucket='copy-dev-eu-central-1-logs', CreateBucketConfiguration={'LocationConstraint': 'eu-central-1'})\ns3.put_bucket_tagging(Bucket='copy-dev-eu-central-1-logs', Tagging={'TagSet': tags})",
    )
    .unwrap();
    let twice = query.tf(".", &["query", "-no-color"]).unwrap();
    assert!(!twice.ok, "{}", twice.combined());
    for named in ["alpha-dev-eu-central-1-logs", "copy-dev-eu-central-1-logs"] {
        assert!(twice.combined().contains(named), "{}", twice.combined());
    }
    edulibra_e2e::boto3(
        &moto,
        "eu-central-1",
        "client('s3').delete_bucket(Bucket='copy-dev-eu-central-1-logs')",
    )
    .unwrap();

    query
        .write(
            "envs.tfquery.hcl",
            "list \"edulibra_environment\" \"bad\" {\n  provider = edulibra\n  config {\n    stage = \"qa\"\n  }\n}\n",
        )
        .unwrap();
    let bad = query.tf(".", &["query", "-no-color"]).unwrap();
    assert!(!bad.ok, "{}", bad.combined());
    assert!(
        bad.combined().contains("Invalid stage"),
        "{}",
        bad.combined()
    );
    let _ = writeln!(
        std::io::stderr(),
        "terraform-{TERRAFORM_OLDEST}: terraform query skipped (Terraform 1.14 and later; ran on {})",
        tf.version
    );
    apply
        .tf_ok(
            ".",
            &["destroy", "-auto-approve", "-input=false", "-no-color"],
        )
        .unwrap();
}
