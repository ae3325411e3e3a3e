//! Issue "policy verdicts inside terraform plan": the validator's findings appear in `terraform
//! plan` at the argument that causes them, warnings by default and errors in strict mode, and
//! they equal what `edulibra-validate check` says of the same plan.

use std::collections::BTreeSet;

use edulibra_e2e::{plan_json, prod_vars, provider_config, validator_binary, Moto, Workspace};

fn config(enforcement: &str, multi_az: bool, waf: bool) -> String {
    let head = provider_config(&format!("  policy_enforcement = \"{enforcement}\""));
    format!(
        r#"{head}
resource "edulibra_environment" "weak" {{
  name  = "edulibra"
  stage = "prod"
  database {{
    multi_az = {multi_az}
  }}
  waf {{
    enabled = {waf}
  }}
}}
"#
    )
}

/// (rule id, child address) of every policy diagnostic Terraform printed.
fn plan_findings(text: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let l = line.trim_start_matches(['│', ' ', '╷']).trim();
        for prefix in ["Warning: ", "Error: "] {
            if let Some(rest) = l.strip_prefix(prefix) {
                if rest.starts_with("EDU-") {
                    let id = rest.split(':').next().unwrap().to_string();
                    let child = rest
                        .rsplit_once(" (")
                        .map(|(_, c)| c.trim_end_matches(')').to_string())
                        .unwrap_or_default();
                    out.insert((id, child));
                }
            }
        }
    }
    out
}

fn cli_findings(ws: &Workspace, sub: &str, waivers: Option<&str>) -> BTreeSet<(String, String)> {
    let plan = ws.dir.join(sub).join("plan.json");
    let shown = ws.tf_ok(sub, &["show", "-json", "tfplan"]).unwrap();
    std::fs::write(&plan, &shown.stdout).unwrap();
    let mut cmd = std::process::Command::new(validator_binary().unwrap());
    cmd.arg("check").arg(&plan).args(["--format", "json"]);
    if let Some(w) = waivers {
        cmd.args(["--waivers", w]);
    }
    let out = cmd.output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .map(|f| {
            let res = f["resource"].as_str().unwrap();
            (
                f["rule_id"].as_str().unwrap().to_string(),
                res.split_once('/')
                    .map(|(_, c)| c)
                    .unwrap_or(res)
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn a_weakened_configuration_warns_fails_in_strict_mode_and_matches_the_cli() {
    let moto = Moto::start().unwrap();
    let var = format!("-var=endpoint={}", moto.endpoint());
    let ws = Workspace::new("policyplan").unwrap();
    ws.write("warn/main.tf", &config("warn", false, false))
        .unwrap();
    ws.tf_ok("warn", &["init", "-input=false", "-no-color"])
        .unwrap();
    let plan = ws
        .tf_ok(
            "warn",
            &["plan", "-input=false", "-no-color", "-out=tfplan", &var],
        )
        .unwrap();
    let text = plan.combined();
    let found = plan_findings(&text);
    assert!(
        found.contains(&("EDU-HA-001".to_string(), "aws_db_instance.main".to_string())),
        "{text}"
    );
    assert!(
        found.iter().any(|(id, _)| id.starts_with("EDU-WAF-")),
        "WAF off is reported: {text}"
    );
    assert!(
        text.contains("multi_az = false"),
        "points at the argument: {text}"
    );
    assert_eq!(
        found,
        cli_findings(&ws, "warn", None),
        "the plan's verdicts equal the CLI's"
    );

    ws.write("strict/main.tf", &config("strict", false, true))
        .unwrap();
    ws.tf_ok("strict", &["init", "-input=false", "-no-color"])
        .unwrap();
    let strict = ws
        .tf("strict", &["plan", "-input=false", "-no-color", &var])
        .unwrap();
    assert!(!strict.ok, "strict mode fails the plan");
    assert!(
        strict.combined().contains("Error: EDU-HA-001"),
        "{}",
        strict.combined()
    );
}

#[test]
fn the_examples_print_no_policy_finding_and_agree_with_the_cli() {
    let moto = Moto::start().unwrap();
    let ws = Workspace::new("policyexamples").unwrap();
    ws.copy_repo_dir("modules/edulibra").unwrap();
    for (ex, vars) in [
        (
            "examples/dev",
            vec![format!("-var=aws_endpoint={}", moto.endpoint())],
        ),
        ("examples/prod", prod_vars(&moto)),
    ] {
        ws.copy_repo_dir(ex).unwrap();
        plan_json(&ws, ex, &vars).unwrap();
        let mut args = vec!["plan", "-input=false", "-no-color", "-out=tfplan"];
        args.extend(vars.iter().map(String::as_str));
        let text = ws.tf_ok(ex, &args).unwrap().combined();
        assert!(
            plan_findings(&text).is_empty(),
            "{ex} prints policy findings:\n{text}"
        );
        let waivers = ws.dir.join(ex).join("waivers.yaml");
        assert!(
            cli_findings(&ws, ex, Some(waivers.to_str().unwrap())).is_empty(),
            "{ex}: the CLI agrees"
        );
    }
}
