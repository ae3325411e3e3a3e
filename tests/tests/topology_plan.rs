//! Issue "edulibra_environment": `terraform plan` of the examples shows the whole topology as
//! plain JSON in `resource_changes[].change.after.topology`, and bad arguments fail at their line.

use std::collections::BTreeSet;

use edulibra_e2e::{plan_json, Moto, Workspace};

fn environment_change(plan: &serde_json::Value) -> &serde_json::Value {
    plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "edulibra_environment")
        .expect("the plan has an edulibra_environment")
}

#[test]
fn prod_and_dev_examples_show_their_topology_in_the_plan() {
    let moto = Moto::start().unwrap();
    let ws = Workspace::new("topoplan").unwrap();
    ws.copy_repo_dir("modules/edulibra").unwrap();
    ws.copy_repo_dir("examples/prod").unwrap();
    ws.copy_repo_dir("examples/dev").unwrap();
    let vars = vec![format!("-var=aws_endpoint={}", moto.endpoint())];

    let prod = plan_json(&ws, "examples/prod", &edulibra_e2e::prod_vars(&moto)).unwrap();
    let change = environment_change(&prod);
    assert_eq!(
        change["address"],
        "module.edulibra.edulibra_environment.this"
    );
    assert_eq!(change["change"]["actions"], serde_json::json!(["create"]));
    let topo = change["change"]["after"]["topology"]
        .as_array()
        .expect("topology is plain JSON");
    assert!(topo.len() >= 80, "{} children", topo.len());
    let azs: BTreeSet<&str> = topo
        .iter()
        .filter(|c| c["type"] == "aws_subnet")
        .map(|c| c["values"]["availability_zone"].as_str().unwrap())
        .collect();
    assert_eq!(azs.len(), 3, "{azs:?}");
    let db = topo
        .iter()
        .find(|c| c["address"] == "aws_db_instance.main")
        .unwrap();
    assert_eq!(db["values"]["multi_az"], true);
    assert_eq!(db["values"]["storage_encrypted"], true);
    // Known only after apply: absent from `after`, true in `after_unknown`, but referenced.
    assert!(db["values"].get("kms_key_id").is_none());
    assert_eq!(
        db["references"]["kms_key_id"],
        serde_json::json!(["aws_kms_key.main"])
    );
    let db_index = topo
        .iter()
        .position(|c| c["address"] == "aws_db_instance.main")
        .unwrap();
    assert_eq!(
        change["change"]["after_unknown"]["topology"][db_index]["values"]["kms_key_id"],
        true
    );
    assert_eq!(change["change"]["after"]["resource_count"], topo.len());
    assert_eq!(
        change["change"]["after"]["network"]["nat_gateways"],
        "per_az"
    );

    let dev = plan_json(&ws, "examples/dev", &vars).unwrap();
    let dtopo = environment_change(&dev)["change"]["after"]["topology"]
        .as_array()
        .unwrap();
    assert!(dtopo.iter().any(|c| c["type"] == "aws_lambda_function"));
    assert!(dtopo.iter().any(|c| c["type"] == "aws_api_gateway_stage"));
    assert_eq!(
        dtopo
            .iter()
            .filter(|c| c["type"] == "aws_nat_gateway")
            .count(),
        1
    );

    let mismatches = score_topology(&[("prod", &prod), ("dev", &dev)]);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Our own topology in the labelled corpus (`validator/tests/corpus/topology.tsv`): every failing
/// (child, category) of the prod and dev examples is labelled, so a rule or topology change that
/// fails something new, or stops failing what dev trades away on purpose, shows here.
fn score_topology(plans: &[(&str, &serde_json::Value)]) -> Vec<String> {
    use edulibra_validate::{corpus, eval, rules::RuleSet, waivers::Waivers};
    let labels_path = edulibra_e2e::repo_root().join("validator/tests/corpus/topology.tsv");
    let labels = corpus::Labels::parse(&std::fs::read_to_string(labels_path).unwrap()).unwrap();
    let mut rules = RuleSet::load(true, &[], std::time::Duration::from_secs(20)).unwrap();
    let mut mismatches = Vec::new();
    for (source, plan) in plans {
        assert!(
            labels.complete.contains(*source),
            "{source} is not labelled"
        );
        let plan = edulibra_validate::plan::from_value(source, (*plan).clone()).unwrap();
        let report = eval::evaluate(
            &mut rules,
            &[plan],
            &Waivers::default(),
            &eval::Options::default(),
        )
        .unwrap();
        let verdicts = corpus::category_verdicts(&report.findings);
        let mut scores = std::collections::BTreeMap::new();
        mismatches.extend(corpus::score(&labels, source, &verdicts, &mut scores));
        println!("{source}\n{}", corpus::table(&scores));
    }
    mismatches
}

#[test]
fn invalid_arguments_fail_the_plan_at_their_line() {
    let moto = Moto::start().unwrap();
    let ws = Workspace::new("badenv").unwrap();
    ws.write(
        "main.tf",
        r#"
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
resource "edulibra_environment" "bad" {
  name  = "edulibra"
  stage = "prod"
  network {
    az_count = 9
  }
  containers {
    cpu    = 256
    memory = 4096
  }
}
"#,
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
                &format!("-var=endpoint={}", moto.endpoint()),
            ],
        )
        .unwrap();
    assert!(!plan.ok);
    let text = plan.combined();
    assert!(text.contains("Invalid network.az_count"), "{text}");
    assert!(text.contains("az_count = 9"), "points at the line: {text}");
    assert!(text.contains("Unsupported Fargate size"), "{text}");
    assert!(text.contains("memory = 4096"), "{text}");
}
