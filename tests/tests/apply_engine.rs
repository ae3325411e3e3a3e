//! Issue "apply engine, part 1": `terraform apply` (of examples/dev, and of a small configuration
//! whose arguments the tests change) builds the network, IAM, KMS, S3, log group, secret,
//! RDS, DynamoDB, SNS, alarm and CloudTrail children in AWS (the moto server), a second plan is empty, in-place changes and
//! drift are handled per child, an apply killed midway resumes without duplicates, and destroy
//! leaves nothing tagged with the environment. What exists is counted through moto's own API.

use std::process::Stdio;
use std::time::{Duration, Instant};

use edulibra_e2e::engine::{
    apply, assert_no_orphan, config, counts, destroy, plan_exit, planned_counts, setup, state_env,
    PROVISIONED,
};
use edulibra_e2e::{boto3, inventory, kill_tree, Moto, Workspace};

const REGION: &str = "eu-central-1";

/// A boto3 prelude: the environment's VPC (`vpc`) and its `owner` tag.
const VPC: &str = "\
ec2 = client('ec2')
vpc = ec2.describe_vpcs(Filters=[{'Name': 'tag:edulibra:environment', 'Values': ['engine-dev']}])['Vpcs'][0]
owner = {t['Key']: t['Value'] for t in vpc['Tags']}['owner']
";

#[test]
fn apply_creates_every_child_a_second_plan_is_empty_and_destroy_leaves_nothing() {
    let moto = Moto::start().unwrap();
    // examples/dev as users run it (its module path resolves inside the workspace).
    let mut ws = Workspace::new("engine-apply").unwrap();
    ws.copy_repo_dir("examples/dev").unwrap();
    ws.copy_repo_dir("modules/edulibra").unwrap();
    ws.dir = ws.dir.join("examples/dev");
    ws.extra_env
        .push(("TF_VAR_aws_endpoint".into(), moto.endpoint()));
    ws.tf_ok(".", &["init", "-input=false", "-no-color"])
        .unwrap();
    let applied = ws
        .tf_ok(
            ".",
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )
        .unwrap();
    assert!(
        applied.stdout.contains("not provisioned:")
            && applied.stdout.contains("aws_backup_selection.main (aws_backup_selection is in the provider's skip_resource_types)"),
        "children left out for the emulator are announced, not hidden:\n{}",
        applied.combined()
    );

    let env = state_env(&ws);
    let expected = planned_counts(&env);
    let kinds: std::collections::BTreeSet<&str> = env["topology"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["type"].as_str())
        .collect();
    for kind in &kinds {
        assert!(PROVISIONED.contains(kind), "{kind} is provisioned");
    }
    let inv = inventory(&moto, REGION, "edulibra-dev").unwrap();
    assert_eq!(
        counts(&inv),
        expected,
        "exactly one AWS resource per child, checked in moto"
    );
    let provisioned = env["provisioned"].as_object().unwrap();
    assert_eq!(provisioned.len(), expected.values().sum::<usize>());
    assert_eq!(env["vpc_id"], provisioned["aws_vpc.main"]["id"]);
    assert_eq!(
        inv["aws_vpc"],
        vec![env["vpc_id"].as_str().unwrap().to_string()]
    );

    let (code, text) = plan_exit(&ws);
    assert_eq!(code, 0, "a second plan has no changes:\n{text}");

    destroy(&ws);
    let left = inventory(&moto, REGION, "edulibra-dev").unwrap();
    assert!(
        left.is_empty(),
        "destroy leaves nothing tagged with the environment: {left:?}"
    );
}

#[test]
fn in_place_changes_drift_and_replacement() {
    let moto = Moto::start().unwrap();
    // Containers mode: moto cannot change the tags of an API Gateway REST API after creation
    // (its TagResource takes stage ARNs only), so the serverless tier's tag update is not
    // exercised here (docs/aws-emulator-gaps.md).
    eprintln!("skipped against moto: an in-place tag change of aws_api_gateway_rest_api (moto tags stages only)");
    let containers = |retention, owner, cidr| {
        config(retention, owner, cidr, 8)
            .replace("compute = \"serverless\"", "compute = \"containers\"")
    };
    let ws = setup(
        &moto.endpoint(),
        "engine-update",
        30,
        "platform",
        "10.0.0.0/16",
        8,
    );
    ws.write("main.tf", &containers(30, "platform", "10.0.0.0/16"))
        .unwrap();
    apply(&ws);
    let before = inventory(&moto, REGION, "engine-dev").unwrap();

    // Retention and tags change in place: same resources, new values.
    ws.write("main.tf", &containers(90, "education", "10.0.0.0/16"))
        .unwrap();
    let (code, text) = plan_exit(&ws);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("0 to add, 1 to change, 0 to destroy"),
        "updated in place:\n{text}"
    );
    apply(&ws);
    let after = inventory(&moto, REGION, "engine-dev").unwrap();
    assert_eq!(before, after, "nothing was replaced");
    let seen = boto3(&moto, REGION, &format!("{VPC}\
logs = client('logs')
g = [g for g in logs.describe_log_groups()['logGroups'] if g['logGroupName'] == '/edulibra/engine-dev/vpc-flow-logs'][0]
print(g['retentionInDays'], owner)")).unwrap();
    assert_eq!(seen.trim(), "90 education");
    assert_eq!(plan_exit(&ws).0, 0);

    // Drift: a log group and a security group deleted (the batched EC2 read then asks for each
    // group alone) and a tag changed, behind Terraform's back.
    boto3(
        &moto,
        REGION,
        &format!(
            "{VPC}\
client('logs').delete_log_group(logGroupName='/edulibra/engine-dev/vpc-flow-logs')
groups = ec2.describe_security_groups(Filters=[{{'Name': 'group-name', 'Values': ['engine-dev-cache']}}])['SecurityGroups']
ec2.delete_security_group(GroupId=groups[0]['GroupId'])
ec2.create_tags(Resources=[vpc['VpcId']], Tags=[{{'Key': 'owner', 'Value': 'someone-else'}}])"
        ),
    )
    .unwrap();
    let (code, text) = plan_exit(&ws);
    assert_eq!(code, 2, "plan reports the drift:\n{text}");
    apply(&ws);
    let healed = inventory(&moto, REGION, "engine-dev").unwrap();
    assert_eq!(
        counts(&healed),
        counts(&before),
        "the deleted child is re-created, nothing duplicated"
    );
    assert_eq!(
        healed["aws_vpc"], before["aws_vpc"],
        "the VPC was fixed in place"
    );
    let owner = boto3(&moto, REGION, &format!("{VPC}print(owner)")).unwrap();
    assert_eq!(owner.trim(), "education");
    assert_eq!(plan_exit(&ws).0, 0, "converged");

    // A new address space replaces the whole environment.
    ws.write("main.tf", &containers(90, "education", "10.20.0.0/16"))
        .unwrap();
    let (code, text) = plan_exit(&ws);
    assert_eq!(code, 2);
    assert!(
        text.contains("must be replaced") && text.contains("forces replacement"),
        "{text}"
    );
    destroy(&ws);
    assert!(inventory(&moto, REGION, "engine-dev").unwrap().is_empty());
}

#[test]
fn an_apply_killed_midway_resumes_without_duplicates_or_orphans() {
    let moto = Moto::start().unwrap();
    // One child at a time, so the kill lands in the middle.
    let ws = setup(
        &moto.endpoint(),
        "engine-kill",
        30,
        "platform",
        "10.0.0.0/16",
        1,
    );
    let total: usize = 106; // children apply creates here (all but the moto gaps and their dependents)
    for (round, point) in [5usize, 30, 60].into_iter().enumerate() {
        // The provider logs a line per child that is ready: the kill lands after `point` of them.
        let log = ws.dir.join(format!("apply-{round}.log"));
        let mut child = ws
            .command(
                &ws.dir,
                &["apply", "-auto-approve", "-input=false", "-no-color"],
            )
            .env("TF_LOG", "INFO")
            .env("TF_LOG_PATH", &log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.matches(": ready:").count() >= point || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        kill_tree(child.id());
        let _ = child.wait();
        let partial: usize = inventory(&moto, REGION, "engine-dev")
            .unwrap()
            .values()
            .map(Vec::len)
            .sum();
        eprintln!("round {round}: killed with {partial} of {total} children in moto");
        assert!(
            partial >= point && partial < total,
            "killed midway: {partial} of {total} children exist"
        );
    }
    apply(&ws);
    let env = state_env(&ws);
    let inv = inventory(&moto, REGION, "engine-dev").unwrap();
    assert_eq!(planned_counts(&env).values().sum::<usize>(), total);
    assert_eq!(
        counts(&inv),
        planned_counts(&env),
        "exactly one of each child after the re-run"
    );
    assert_no_orphan(&moto, "engine-dev", &env);
    assert_eq!(plan_exit(&ws).0, 0);
    destroy(&ws);
    assert!(inventory(&moto, REGION, "engine-dev").unwrap().is_empty());
}

#[test]
fn import_into_an_empty_state_then_plan_has_no_changes() {
    let moto = Moto::start().unwrap();
    let ws = setup(
        &moto.endpoint(),
        "engine-import",
        30,
        "platform",
        "10.0.0.0/16",
        8,
    );
    apply(&ws);
    let applied = state_env(&ws);
    std::fs::remove_file(ws.dir.join("terraform.tfstate")).unwrap();

    let missing = ws
        .tf(
            ".",
            &[
                "import",
                "-input=false",
                "-no-color",
                "edulibra_environment.env",
                "nothing-dev",
            ],
        )
        .unwrap();
    assert!(
        !missing.ok && missing.combined().contains("No such environment"),
        "{}",
        missing.combined()
    );

    ws.tf_ok(
        ".",
        &[
            "import",
            "-input=false",
            "-no-color",
            "edulibra_environment.env",
            "engine-dev",
        ],
    )
    .unwrap();
    let imported = state_env(&ws);
    assert_eq!(
        imported["provisioned"], applied["provisioned"],
        "every child found again"
    );
    let (code, text) = plan_exit(&ws);
    assert_eq!(code, 0, "no changes after import:\n{text}");
    destroy(&ws);
    assert!(inventory(&moto, REGION, "engine-dev").unwrap().is_empty());
}

#[test]
fn a_protected_database_stops_destroy_until_protection_is_switched_off() {
    let moto = Moto::start().unwrap();
    let ws = setup(
        &moto.endpoint(),
        "engine-protect",
        30,
        "platform",
        "10.0.0.0/16",
        8,
    );
    // This test applies again after a destroy, and moto keeps a deleted backup plan's document
    // taken (AlreadyExistsException): the plan is left out here (docs/aws-emulator-gaps.md).
    eprintln!("skipped against moto: aws_backup_plan when re-created after a destroy");
    let open = config(30, "platform", "10.0.0.0/16", 8).replacen(
        "\"aws_backup_selection\"]",
        "\"aws_backup_selection\", \"aws_backup_plan\"]",
        1,
    );
    assert!(open.contains("\"aws_backup_plan\"]"));
    let protected = open.replacen(
        "observability {",
        "database {\n        deletion_protection = true\n      }\n      observability {",
        1,
    );
    assert_ne!(protected, open);
    ws.write("main.tf", &protected).unwrap();
    apply(&ws);
    let refused = ws
        .tf(
            ".",
            &["destroy", "-auto-approve", "-input=false", "-no-color"],
        )
        .unwrap();
    assert!(
        !refused.ok && refused.combined().contains("has deletion protection"),
        "destroy stops at the protected database with a clear error:\n{}",
        refused.combined()
    );
    let left = inventory(&moto, REGION, "engine-dev").unwrap();
    assert_eq!(
        left.get("aws_db_instance").map(Vec::len),
        Some(1),
        "the database is still there"
    );
    // Switched off through the configuration (removing the argument returns it to the dev
    // default), the next apply re-creates what the first destroy removed and the next destroy
    // goes through.
    ws.write("main.tf", &open).unwrap();
    apply(&ws);
    destroy(&ws);
    assert!(inventory(&moto, REGION, "engine-dev").unwrap().is_empty());
}
