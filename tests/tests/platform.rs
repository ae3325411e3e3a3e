//! Issue "apply engine, part 2": for each of the six `stage` x `compute` pairs, `terraform
//! apply` builds the whole platform in the moto server (counted through moto's own API, per
//! type), a second plan has no changes, the endpoints users wire to other code are filled, and
//! destroy leaves nothing tagged with the environment. The types moto lacks are left out with
//! `skip_resource_types` and named (`moto_gaps()`).

use edulibra_e2e::engine::{counts, destroy, plan_exit, planned_counts, state_env};
use edulibra_e2e::{inventory, moto_gaps, provider_config, Moto, Workspace};

const REGION: &str = "eu-central-1";

fn environment(stage: &str, compute: &str) -> String {
    let head = provider_config("  policy_enforcement = \"off\"");
    format!(
        r#"{head}
resource "edulibra_environment" "env" {{
  name    = "plat"
  stage   = "{stage}"
  compute = "{compute}"
  # The tests destroy what they build; staging and prod keep their data by default.
  force_destroy = true
  database {{
    deletion_protection = false
  }}
  observability {{
    alarm_email = "ops@example.com"
  }}
}}
"#
    )
}

fn whole_platform(stage: &str, compute: &str) {
    let moto = Moto::start().unwrap();
    let env_id = format!("plat-{stage}");
    let mut ws = Workspace::new(&format!("platform-{stage}-{compute}")).unwrap();
    ws.extra_env
        .push(("TF_VAR_endpoint".into(), moto.endpoint()));
    ws.write("main.tf", &environment(stage, compute)).unwrap();
    ws.tf_ok(".", &["init", "-input=false", "-no-color"])
        .unwrap();
    let applied = ws
        .tf_ok(
            ".",
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )
        .unwrap();
    let text = applied.combined();
    assert!(
        !text.contains("is not provisioned by this version"),
        "every type of the topology is provisioned:\n{text}"
    );
    for (gap, _) in moto_gaps() {
        let planned = text.contains(&format!("{gap}."));
        assert!(
            !planned || text.contains("skip_resource_types"),
            "a skipped child is named in the apply output:\n{text}"
        );
    }

    let env = state_env(&ws);
    let expected = planned_counts(&env);
    let provisioned = env["provisioned"].as_object().unwrap();
    assert_eq!(
        provisioned.len(),
        expected.values().sum::<usize>(),
        "{stage}/{compute}: the state holds every child apply can create here"
    );
    let inv = inventory(&moto, REGION, &env_id).unwrap();
    assert_eq!(
        counts(&inv),
        expected,
        "{stage}/{compute}: exactly one AWS resource per child, checked in moto"
    );
    let api_child = if compute == "containers" {
        "aws_lb"
    } else {
        "aws_api_gateway_stage"
    };
    assert!(expected.contains_key(api_child), "{expected:?}");
    assert!(expected.contains_key("aws_cloudfront_distribution"));
    for output in [
        "cdn_domain_name",
        "api_endpoint",
        "database_endpoint",
        "vpc_id",
    ] {
        assert!(
            env[output].as_str().is_some_and(|v| !v.is_empty()),
            "{stage}/{compute}: `{output}` is filled after apply: {}",
            env[output]
        );
    }

    let (code, text) = plan_exit(&ws);
    assert_eq!(
        code, 0,
        "{stage}/{compute}: a second plan has no changes:\n{text}"
    );

    // Every request went through the AWS rules (rig/awsrules.py); nothing AWS would fail
    // without an error (CloudFront unable to decrypt the site bucket) was recorded either.
    let rules = moto.rules_report().unwrap();
    assert_eq!(
        rules["latent"],
        serde_json::json!([]),
        "{stage}/{compute}: {rules}"
    );

    destroy(&ws);
    let left = inventory(&moto, REGION, &env_id).unwrap();
    if stage == "dev" {
        assert!(
            left.is_empty(),
            "{stage}/{compute}: destroy leaves nothing tagged with the environment: {left:?}"
        );
    } else {
        // Outside dev the final database snapshot is kept, and with it the key that encrypts
        // it (tagged edulibra:retain-on-destroy): only that key is left.
        let kept: Vec<&String> = left.keys().collect();
        assert_eq!(
            kept,
            ["aws_kms_key"],
            "{stage}/{compute}: destroy leaves only the retained key: {left:?}"
        );
        assert_eq!(left["aws_kms_key"].len(), 1, "{left:?}");
    }
}

#[test]
fn dev_serverless() {
    whole_platform("dev", "serverless");
}

#[test]
fn dev_containers() {
    whole_platform("dev", "containers");
}

#[test]
fn staging_serverless() {
    whole_platform("staging", "serverless");
}

#[test]
fn staging_containers() {
    whole_platform("staging", "containers");
}

#[test]
fn prod_serverless() {
    whole_platform("prod", "serverless");
}

#[test]
fn prod_containers() {
    whole_platform("prod", "containers");
}
