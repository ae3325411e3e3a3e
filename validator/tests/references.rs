//! Checks that need a referenced resource find it at any module depth: through module call
//! arguments (`var.*`), module outputs (`module.x.out`), and `count` and `for_each` instances. The
//! plans are written in the shape `terraform show -json` gives (references listed with their
//! call or resource, as Terraform lists them), with the values unknown where Terraform would
//! not know them before apply, so that only the references can decide.

use std::process::Command;

use serde_json::{json, Value};

/// The verdict of one rule on one resource: "pass" when the rule applied and found nothing.
fn verdict(name: &str, plan: &Value, rule: &str, address: &str) -> String {
    let dir = std::env::temp_dir().join(format!("edulibra-refs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, plan.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_edulibra-validate"))
        .args(["check", "--format", "json", "--check", rule])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report["applicable_rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == rule),
        "{name}: {rule} did not apply"
    );
    let found: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule && f["resource"] == address)
        .collect();
    match found.as_slice() {
        [] => "pass".into(),
        [f] => f["status"].as_str().unwrap().to_string(),
        many => panic!("{name}: {} findings for {address}", many.len()),
    }
}

fn change(
    module: &str,
    kind: &str,
    name: &str,
    key: Option<Value>,
    after: Value,
    unknown: Value,
) -> Value {
    let base = if module.is_empty() {
        format!("{kind}.{name}")
    } else {
        format!("{module}.{kind}.{name}")
    };
    let address = match &key {
        Some(Value::String(s)) => format!("{base}[\"{s}\"]"),
        Some(k) => format!("{base}[{k}]"),
        None => base,
    };
    let mut rc = json!({"address": address, "mode": "managed", "type": kind, "name": name,
        "change": {"actions": ["create"], "after": after, "after_unknown": unknown}});
    if !module.is_empty() {
        rc["module_address"] = json!(module);
    }
    if let Some(k) = key {
        rc["index"] = k;
    }
    rc
}

fn subnet(module: &str, key: Value, zone: Option<&str>) -> Value {
    let (after, unknown) = match zone {
        Some(z) => (
            json!({"availability_zone": z, "vpc_id": null}),
            json!({"id": true, "vpc_id": true}),
        ),
        None => (
            json!({}),
            json!({"id": true, "availability_zone": true, "vpc_id": true}),
        ),
    };
    change(module, "aws_subnet", "app", Some(key), after, unknown)
}

fn lb(module: &str) -> Value {
    change(
        module,
        "aws_lb",
        "this",
        None,
        json!({"internal": false, "load_balancer_type": "application"}),
        json!({"subnets": true, "arn": true}),
    )
}

fn refs(r: &[&str]) -> Value {
    json!({"references": r})
}

/// The load balancer sits two modules down, in every instance of a `for_each` module; its subnets
/// are a variable, passed down twice, from subnets made with `count` in the root.
fn passed_down(zones: [Option<&str>; 2]) -> Value {
    let lb_module = json!({"resources": [{"address": "aws_lb.this", "mode": "managed", "type": "aws_lb",
        "name": "this", "expressions": {"subnets": refs(&["var.subnet_ids"])}}]});
    let edge = json!({
        "module_calls": {"lb": {"source": "./lb",
            "expressions": {"subnet_ids": refs(&["var.subnet_ids"])},
            "module": lb_module}},
        "variables": {"subnet_ids": {}}});
    let config = json!({"root_module": {
        "resources": [{"address": "aws_subnet.app", "mode": "managed", "type": "aws_subnet", "name": "app",
            "expressions": {"availability_zone": refs(&["var.zones", "count.index"])},
            "count_expression": refs(&["var.zones"])}],
        "module_calls": {"edge": {"source": "./edge",
            "for_each_expression": {"constant_value": ["web", "api"]},
            "expressions": {"subnet_ids": refs(&["aws_subnet.app"])},
            "module": edge}}}});
    json!({"format_version": "1.2", "configuration": config, "resource_changes": [
        subnet("", json!(0), zones[0]),
        subnet("", json!(1), zones[1]),
        lb("module.edge[\"web\"].module.lb"),
        lb("module.edge[\"api\"].module.lb"),
    ]})
}

/// The load balancer is in the root; its subnets are an output of a `count` module, whose subnets
/// are made with `for_each` inside a module of their own.
fn passed_up(zones: [Option<&str>; 2], indexed: bool) -> Value {
    let subnets = json!({
        "resources": [{"address": "aws_subnet.app", "mode": "managed", "type": "aws_subnet", "name": "app",
            "expressions": {"availability_zone": refs(&["each.key"])},
            "for_each_expression": refs(&["var.zones"])}],
        "outputs": {"ids": {"expression": refs(&["aws_subnet.app"])}}});
    let net = json!({
        "module_calls": {"subnets": {"source": "./subnets", "module": subnets}},
        "outputs": {
            "subnet_ids": {"expression": refs(&["module.subnets.ids", "module.subnets"])},
            "unrelated": {"expression": refs(&["var.cidr"])}}});
    let lb_refs = if indexed {
        refs(&["module.net[0].subnet_ids", "module.net[0]", "module.net"])
    } else {
        refs(&["module.net.subnet_ids", "module.net"])
    };
    let config = json!({"root_module": {
        "resources": [{"address": "aws_lb.this", "mode": "managed", "type": "aws_lb", "name": "this",
            "expressions": {"subnets": lb_refs}}],
        "module_calls": {"net": {"source": "./net", "count_expression": {"constant_value": 1},
            "module": net}}}});
    let inner = "module.net[0].module.subnets";
    json!({"format_version": "1.2", "configuration": config, "resource_changes": [
        subnet(inner, json!("a"), zones[0]),
        subnet(inner, json!("b"), zones[1]),
        lb(""),
    ]})
}

#[test]
fn a_load_balancer_finds_subnets_passed_down_through_two_module_calls() {
    for module in [
        "module.edge[\"web\"].module.lb",
        "module.edge[\"api\"].module.lb",
    ] {
        let lb = format!("{module}.aws_lb.this");
        let spread = passed_down([Some("eu-west-1a"), Some("eu-west-1b")]);
        assert_eq!(verdict("down-spread", &spread, "EDU-HA-004", &lb), "pass");
        // Elastic Load Balancing takes one subnet per zone: two distinct subnets are two zones,
        // even while one zone is known only after apply.
        let pending = passed_down([None, Some("eu-west-1b")]);
        assert_eq!(verdict("down-pending", &pending, "EDU-HA-004", &lb), "pass");
        let mut one = passed_down([Some("eu-west-1a"), Some("eu-west-1b")]);
        one["resource_changes"].as_array_mut().unwrap().remove(1);
        assert_eq!(verdict("down-one", &one, "EDU-HA-004", &lb), "fail");
    }
}

#[test]
fn a_load_balancer_finds_subnets_through_module_outputs_and_instance_keys() {
    for indexed in [false, true] {
        let spread = passed_up([Some("eu-west-1a"), Some("eu-west-1b")], indexed);
        assert_eq!(
            verdict("up-spread", &spread, "EDU-HA-004", "aws_lb.this"),
            "pass"
        );
    }
    // One subnet behind the output: one zone.
    let mut one = passed_up([Some("eu-west-1a"), Some("eu-west-1b")], true);
    one["resource_changes"].as_array_mut().unwrap().remove(1);
    assert_eq!(verdict("up-one", &one, "EDU-HA-004", "aws_lb.this"), "fail");
    // An output of another instance than the one referenced leads nowhere.
    let mut other = passed_up([Some("eu-west-1a"), Some("eu-west-1b")], true);
    other["configuration"]["root_module"]["resources"][0]["expressions"]["subnets"] =
        refs(&["module.net[1].subnet_ids", "module.net[1]", "module.net"]);
    assert_eq!(
        verdict("up-other", &other, "EDU-HA-004", "aws_lb.this"),
        "unknown"
    );
}

#[test]
fn a_reference_that_leads_to_no_resource_is_unknown_never_a_pass() {
    // The output is a local (which the plan's configuration leaves out): nothing to follow.
    let mut plan = passed_up([Some("eu-west-1a"), Some("eu-west-1b")], false);
    plan["configuration"]["root_module"]["module_calls"]["net"]["module"]["outputs"]
        ["subnet_ids"] = json!({"expression": refs(&["local.ids"])});
    assert_eq!(
        verdict("local", &plan, "EDU-HA-004", "aws_lb.this"),
        "unknown"
    );
    // Without a configuration at all, the same.
    let mut bare = passed_up([Some("eu-west-1a"), Some("eu-west-1b")], false);
    bare.as_object_mut().unwrap().remove("configuration");
    assert_eq!(
        verdict("bare", &bare, "EDU-HA-004", "aws_lb.this"),
        "unknown"
    );
}

#[test]
fn a_table_key_passed_into_a_nested_module_counts_as_customer_managed() {
    // The table two modules down sets kms_key_arn from a variable; the root passes a key's ARN.
    let table = |key_ref: &[&str]| {
        let data = json!({"resources": [{"address": "aws_dynamodb_table.t", "mode": "managed",
            "type": "aws_dynamodb_table", "name": "t",
            "expressions": {"server_side_encryption": [{"enabled": {"constant_value": true},
                "kms_key_arn": refs(&["var.key_arn"])}]}}]});
        let app = json!({"module_calls": {"data": {"source": "./data",
            "expressions": {"key_arn": refs(&["var.key_arn"])}, "module": data}}});
        let config = json!({"root_module": {
            "resources": [{"address": "aws_kms_key.k", "mode": "managed", "type": "aws_kms_key", "name": "k",
                "expressions": {"enable_key_rotation": {"constant_value": true}}}],
            "module_calls": {"app": {"source": "./app", "count_expression": {"constant_value": 1},
                "expressions": {"key_arn": refs(key_ref)}, "module": app}}}});
        json!({"format_version": "1.2", "configuration": config, "resource_changes": [
            change("", "aws_kms_key", "k", None, json!({"enable_key_rotation": true}), json!({"arn": true})),
            change("module.app[0].module.data", "aws_dynamodb_table", "t", None,
                json!({"name": "t", "server_side_encryption": [{"enabled": true}]}),
                json!({"server_side_encryption": [{"kms_key_arn": true}]})),
        ]})
    };
    let address = "module.app[0].module.data.aws_dynamodb_table.t";
    let keyed = table(&["aws_kms_key.k.arn", "aws_kms_key.k"]);
    assert_eq!(verdict("key", &keyed, "EDU-ENC-007", address), "pass");
    let from_root_variable = table(&["var.key_arn"]);
    assert_eq!(
        verdict("root-var", &from_root_variable, "EDU-ENC-007", address),
        "unknown",
        "a root variable is set outside the plan's resources"
    );
}
