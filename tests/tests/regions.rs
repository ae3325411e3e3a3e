//! Issue "First real apply": zones are the region's own, read from EC2, never invented; and one
//! environment name applies in two regions of one account without either touching the other.

use std::collections::BTreeSet;

use edulibra_e2e::engine::{destroy, plan_exit};
use edulibra_e2e::{boto3_at, inventory, provider_config_in, Moto, Workspace};

fn environment(region: &str, name: &str, stage: &str, network: &str) -> String {
    let head = provider_config_in(region, "  policy_enforcement = \"off\"");
    format!(
        r#"{head}
resource "edulibra_environment" "env" {{
  name    = "{name}"
  stage   = "{stage}"
  compute = "serverless"
  force_destroy = true
  database {{
    deletion_protection = false
  }}
  network {{
{network}
  }}
}}
"#
    )
}

fn workspace(moto: &Moto, tag: &str, config: &str) -> Workspace {
    let mut ws = Workspace::new(tag).unwrap();
    ws.extra_env
        .push(("TF_VAR_endpoint".into(), moto.endpoint()));
    ws.write("main.tf", config).unwrap();
    ws.tf_ok(".", &["init", "-input=false", "-no-color"])
        .unwrap();
    ws
}

/// The subnets' zones in a planned environment, or the plan's error text.
fn planned_zones(ws: &Workspace) -> Result<BTreeSet<String>, String> {
    let out = ws
        .tf(".", &["plan", "-input=false", "-no-color", "-out=tfplan"])
        .unwrap();
    if !out.ok {
        return Err(out.combined());
    }
    let shown = ws.tf_ok(".", &["show", "-json", "tfplan"]).unwrap();
    let plan: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    let env = plan["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "edulibra_environment")
        .unwrap();
    Ok(env["change"]["after"]["topology"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "aws_subnet")
        .map(|c| {
            c["values"]["availability_zone"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect())
}

#[test]
fn subnets_go_only_to_zones_the_region_has() {
    let moto = Moto::start().unwrap();
    // Tokyo has no `b` zone for accounts opened after 2012 (a, c, d).
    let tokyo = workspace(
        &moto,
        "zones-tokyo",
        &environment("ap-northeast-1", "zones", "prod", ""),
    );
    let zones = planned_zones(&tokyo).unwrap();
    assert_eq!(
        zones,
        ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]
            .map(String::from)
            .into(),
        "three real zones, never ap-northeast-1b"
    );
    // N. California offers two zones: prod's default of three is refused at the attribute.
    let california = workspace(
        &moto,
        "zones-california",
        &environment("us-west-1", "zones", "prod", ""),
    );
    let err = planned_zones(&california).unwrap_err();
    assert!(
        err.contains("az_count"),
        "the error names the attribute:\n{err}"
    );
    assert!(
        err.contains("us-west-1 offers 2 availability zone"),
        "and says what the region has:\n{err}"
    );
    let two = workspace(
        &moto,
        "zones-california-2",
        &environment("us-west-1", "zones", "prod", "    az_count = 2"),
    );
    let zones = planned_zones(&two).unwrap();
    assert_eq!(zones.len(), 2);
    assert!(
        zones.iter().all(|z| z == "us-west-1a" || z == "us-west-1b"),
        "{zones:?}"
    );
    // One zone: an RDS subnet group and a load balancer need two, in every stage.
    let one = workspace(
        &moto,
        "zones-one",
        &environment("eu-central-1", "zones", "dev", "    az_count = 1"),
    );
    let err = planned_zones(&one).unwrap_err();
    assert!(err.contains("az_count"), "{err}");
}

#[test]
fn one_name_applies_in_two_regions_of_one_account() {
    let moto = Moto::start().unwrap();
    let regions = ["eu-central-1", "eu-west-1"];
    let spaces: Vec<Workspace> = regions
        .iter()
        .map(|r| {
            workspace(
                &moto,
                &format!("twin-{r}"),
                &environment(r, "twin", "dev", "    nat_gateways = \"single\""),
            )
        })
        .collect();
    // A key in the account whose policy keeps this caller out: finding the environment's key
    // must not trip over it (rig rule `kms_foreign_key`).
    boto3_at(
        &moto.endpoint(),
        regions[0],
        "client('kms').create_key(Description='rig:foreign key of another team')",
    )
    .unwrap();
    for ws in &spaces {
        ws.tf_ok(
            ".",
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )
        .unwrap();
    }
    let before: Vec<_> = regions
        .iter()
        .map(|r| inventory(&moto, r, "twin-dev").unwrap())
        .collect();
    for (ws, r) in spaces.iter().zip(regions) {
        let (code, text) = plan_exit(ws);
        assert_eq!(code, 0, "{r}: a second plan is empty:\n{text}");
    }
    // Neither region adopted the other's global resources: two sets of roles.
    let roles =
        |i: usize| -> BTreeSet<String> { before[i]["aws_iam_role"].iter().cloned().collect() };
    assert!(
        roles(0).is_disjoint(&roles(1)),
        "{:?} {:?}",
        roles(0),
        roles(1)
    );

    destroy(&spaces[0]);
    let left = inventory(&moto, regions[0], "twin-dev").unwrap();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(
        inventory(&moto, regions[1], "twin-dev").unwrap(),
        before[1],
        "destroying one region leaves the other as it was"
    );
    let (code, text) = plan_exit(&spaces[1]);
    assert_eq!(code, 0, "the other region still plans empty:\n{text}");
    destroy(&spaces[1]);
    let left = inventory(&moto, regions[1], "twin-dev").unwrap();
    assert!(left.is_empty(), "{left:?}");
}
