//! Issue "reliability under faults": the apply engine against the moto server behind a proxy
//! that throttles, fails, slows and drops calls (`rig/faultproxy.py`). Faults lose nothing: no
//! duplicate, no orphan, every child reached, and a permanent error leaves a state that the
//! next apply completes and destroy clears. Credentials never reach logs or plan output.
//! (Kills: `apply_engine.rs`; refusal of other clients' certificates: `provider/tests/mtls.rs`.)

use edulibra_e2e::engine::{
    apply, assert_no_orphan, config, counts, destroy, plan_exit, planned_counts, setup, state_env,
};
use edulibra_e2e::Workspace;
use edulibra_e2e::{inventory, FaultProxy, Moto};
use serde_json::json;

const REGION: &str = "eu-central-1";
const ENV: &str = "engine-dev";

fn no_faults() -> serde_json::Value {
    json!({"seed": 1, "rules": []})
}

#[test]
fn apply_plan_and_destroy_succeed_with_a_fifth_of_the_calls_failing() {
    let moto = Moto::start().unwrap();
    let faults = json!({"seed": 7, "rules": [
        {"service": "*", "operation": "*", "rate": 0.2, "faults": ["throttle", "500", "503", "drop", "slow"], "delay_ms": 300}
    ]});
    let proxy = FaultProxy::start(&moto, &faults).unwrap();
    let ws = setup(
        &proxy.endpoint(),
        "faults-transient",
        30,
        "platform",
        "10.0.0.0/16",
        8,
    );
    // A child's create or update is retried whole, and one attempt of a child that makes five
    // changing calls fails two times in three at this fault rate: the default eight retries
    // leave each such child about a 3% chance of running out, and the environment has about a
    // hundred children. A user facing such an error rate raises `max_retries`, as here.
    ws.write(
        "main.tf",
        &config(30, "platform", "10.0.0.0/16", 8).replace(
            "  max_concurrency",
            "  max_retries        = 16\n  max_concurrency",
        ),
    )
    .unwrap();
    apply(&ws);
    let env = state_env(&ws);
    let inv = inventory(&moto, REGION, ENV).unwrap();
    assert_eq!(
        counts(&inv),
        planned_counts(&env),
        "exactly one of each child despite the faults"
    );
    assert_no_orphan(&moto, ENV, &env);
    let (code, text) = plan_exit(&ws);
    assert_eq!(code, 0, "reads under faults still see no change:\n{text}");
    destroy(&ws);
    assert!(inventory(&moto, REGION, ENV).unwrap().is_empty());

    let stats = proxy.stats().unwrap();
    let injected: u64 = stats["injected"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|v| v.as_u64())
        .sum();
    let requests = stats["requests"].as_u64().unwrap();
    eprintln!(
        "fault proxy: {requests} requests, {injected} faults injected: {}",
        stats["injected"]
    );
    assert!(
        injected >= 40 && requests >= 200,
        "the faults really happened: {stats}"
    );
    for fault in ["throttle", "500", "503", "drop", "slow"] {
        assert!(
            stats["injected"][fault].as_u64().unwrap_or(0) > 0,
            "{fault} was injected: {stats}"
        );
    }
}

#[test]
fn a_permanent_error_keeps_the_partial_state_then_apply_completes_and_destroy_clears() {
    let moto = Moto::start().unwrap();
    let deny = json!({"seed": 1, "rules": [
        {"service": "ec2", "operation": "CreateSecurityGroup", "rate": 1.0, "faults": ["deny"]}
    ]});
    let proxy = FaultProxy::start(&moto, &deny).unwrap();
    let ws = setup(
        &proxy.endpoint(),
        "faults-permanent",
        30,
        "platform",
        "10.0.0.0/16",
        8,
    );
    let failed = ws
        .tf(
            ".",
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )
        .unwrap();
    assert!(!failed.ok);
    let text = failed.combined();
    assert!(
        text.contains("Cannot create or update aws_security_group.")
            && text.contains("AccessDenied"),
        "{text}"
    );

    // The state names what was created before the failure: nothing is orphaned.
    let partial = state_env(&ws);
    let created = partial["provisioned"]
        .as_object()
        .map(|m| m.len())
        .unwrap_or(0);
    let in_moto: usize = inventory(&moto, REGION, ENV)
        .unwrap()
        .values()
        .map(Vec::len)
        .sum();
    assert!(
        created > 0 && created < 69,
        "partial: {created} children in the state"
    );
    assert_eq!(in_moto, created, "everything in moto is in the state");
    assert_no_orphan(&moto, ENV, &partial);

    proxy.set_rules(&no_faults()).unwrap();
    apply(&ws);
    let env = state_env(&ws);
    assert_eq!(
        counts(&inventory(&moto, REGION, ENV).unwrap()),
        planned_counts(&env)
    );
    assert_eq!(plan_exit(&ws).0, 0);
    destroy(&ws);
    assert!(inventory(&moto, REGION, ENV).unwrap().is_empty());
}

/// Credentials given to the provider block (from sensitive variables) and through the
/// environment: none of them in `TF_LOG=trace` output of a full apply and destroy, nor in the
/// plan; the schema marks the provider's credential arguments sensitive.
#[test]
fn credentials_never_reach_logs_or_plan_output() {
    const KEY_ID: &str = "AKIAEDULIBRAKEYID777";
    const SECRET: &str = "edulibra-secret-never-logged-7f3a9c";
    const TOKEN: &str = "edulibra-session-token-never-logged-51e0";
    let moto = Moto::start().unwrap();
    let mut ws = Workspace::new("secrets").unwrap();
    let body = config(30, "platform", "10.0.0.0/16", 8).replace(
        "  endpoint = var.endpoint\n",
        "  endpoint = var.endpoint\n  access_key = var.key_id\n  secret_key = var.secret\n  token = var.token\n",
    );
    let vars = "variable \"key_id\" {\n  type = string\n  sensitive = true\n}\nvariable \"secret\" {\n  type = string\n  sensitive = true\n}\nvariable \"token\" {\n  type = string\n  sensitive = true\n}\n";
    ws.write("main.tf", &format!("{body}{vars}")).unwrap();
    for (k, v) in [
        ("TF_VAR_endpoint", moto.endpoint()),
        ("TF_VAR_key_id", KEY_ID.into()),
        ("TF_VAR_secret", SECRET.into()),
        ("TF_VAR_token", TOKEN.into()),
        ("TF_LOG", "trace".into()),
    ] {
        ws.extra_env.push((k.into(), v));
    }
    let log = ws.dir.join("trace.log");
    ws.extra_env
        .push(("TF_LOG_PATH".into(), log.display().to_string()));
    ws.tf_ok(".", &["init", "-input=false", "-no-color"])
        .unwrap();
    let plan = ws
        .tf_ok(".", &["plan", "-input=false", "-no-color"])
        .unwrap();
    apply(&ws);
    assert!(
        inventory(&moto, REGION, ENV)
            .unwrap()
            .values()
            .map(Vec::len)
            .sum::<usize>()
            > 60,
        "it really ran"
    );
    destroy(&ws);

    let trace = std::fs::read_to_string(&log).unwrap();
    assert!(
        trace.len() > 100_000 && trace.contains("provider.terraform-provider-edulibra"),
        "a full trace was written"
    );
    for secret in [SECRET, TOKEN] {
        assert!(!trace.contains(secret), "a credential is in the trace log");
        assert!(
            !plan.combined().contains(secret),
            "a credential is in the plan output"
        );
    }
    let schema = ws.tf_ok(".", &["providers", "schema", "-json"]).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema.stdout).unwrap();
    let attrs = &schema["provider_schemas"]["registry.terraform.io/edulibra/edulibra"]["provider"]
        ["block"]["attributes"];
    for a in ["access_key", "secret_key", "token"] {
        assert_eq!(attrs[a]["sensitive"], true, "{a} is sensitive");
    }
}
