//! Issue "provider foundation": the real Terraform 1.0.3 installs the provider from a
//! filesystem mirror offline, validates, reads the schema, and plans and applies a data source
//! that asks moto's STS who we are.

use std::process::Command;

use edulibra_e2e::{provider_binary, Moto, Workspace, MOTO_ACCOUNT};

const CALLER_CONFIG: &str = r#"
terraform {
  required_providers {
    edulibra = { source = "edulibra/edulibra", version = "0.1.0" }
  }
}

variable "endpoint" { type = string }

provider "edulibra" {
  region   = "eu-central-1"
  endpoint = var.endpoint
}

data "edulibra_caller_identity" "me" {}

output "account_id" { value = data.edulibra_caller_identity.me.account_id }
output "arn" { value = data.edulibra_caller_identity.me.arn }
"#;

#[test]
fn running_the_binary_directly_prints_the_plugin_message() {
    let out = Command::new(provider_binary().unwrap())
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("This binary is a plugin. These are not meant to be executed directly."),
        "{err}"
    );
}

#[test]
fn init_validate_schema_plan_apply_with_the_real_terraform() {
    let moto = Moto::start().unwrap();
    let ws = Workspace::new("foundation").unwrap();
    ws.write("main.tf", CALLER_CONFIG).unwrap();
    let var = format!("-var=endpoint={}", moto.endpoint());

    let init = ws
        .tf_ok("", &["init", "-input=false", "-no-color"])
        .unwrap();
    assert!(
        init.stdout.contains("Installed edulibra/edulibra v0.1.0"),
        "{}",
        init.stdout
    );
    ws.tf_ok("", &["validate", "-no-color"]).unwrap();

    let schema = ws.tf_ok("", &["providers", "schema", "-json"]).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema.stdout).unwrap();
    let p = &schema["provider_schemas"]["registry.terraform.io/edulibra/edulibra"];
    assert!(
        p["resource_schemas"]["edulibra_environment"]["block"]["attributes"]["topology"]
            .is_object()
    );
    let caller = &p["data_source_schemas"]["edulibra_caller_identity"]["block"]["attributes"];
    for a in ["account_id", "arn", "user_id"] {
        assert_eq!(caller[a]["computed"], true, "{a}");
    }
    assert_eq!(
        p["provider"]["block"]["attributes"]["secret_key"]["sensitive"],
        true
    );
    assert_eq!(
        p["resource_schemas"]["edulibra_environment"]["block"]["block_types"]["network"]
            ["nesting_mode"],
        "group"
    );

    ws.tf_ok(
        "",
        &["plan", "-input=false", "-no-color", "-out=tfplan", &var],
    )
    .unwrap();
    let apply = ws
        .tf_ok("", &["apply", "-input=false", "-no-color", "tfplan"])
        .unwrap();
    assert!(apply.stdout.contains("Apply complete!"), "{}", apply.stdout);
    let out = ws.tf_ok("", &["output", "-json"]).unwrap();
    let out: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(out["account_id"]["value"], MOTO_ACCOUNT);
    assert!(
        out["arn"]["value"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:"),
        "{out}"
    );
}

#[test]
fn a_bad_provider_setting_is_reported_at_its_attribute() {
    let ws = Workspace::new("badcfg").unwrap();
    ws.write(
        "main.tf",
        &CALLER_CONFIG.replace(
            "endpoint = var.endpoint",
            "endpoint = var.endpoint\n  max_concurrency = 0",
        ),
    )
    .unwrap();
    ws.tf_ok("", &["init", "-input=false", "-no-color"])
        .unwrap();
    let plan = ws
        .tf(
            "",
            &[
                "plan",
                "-input=false",
                "-no-color",
                "-var=endpoint=http://127.0.0.1:9",
            ],
        )
        .unwrap();
    assert!(!plan.ok);
    let text = plan.combined();
    assert!(text.contains("Invalid max_concurrency"), "{text}");
    assert!(
        text.contains("max_concurrency = 0"),
        "Terraform shows the offending line: {text}"
    );
}
