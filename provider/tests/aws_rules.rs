//! What AWS requires of the expansion, checked on the topology itself (issue "First real
//! apply"). The end-to-end tests check the same through the rig's AWS rules where a request
//! shows it; these cover what no emulator request does (a key policy that only matters when
//! CloudFront reads an object, a target group's name, a zone that does not exist).

mod common;

use std::collections::BTreeMap;

use edulibra_provider::apply::kinds::{decide, Action};
use edulibra_provider::environment::spec::{self, EnvironmentSpec, SpecOutcome};
use edulibra_provider::topology::{expand, Child, Placement, Topology, TopologyError, V};
use edulibra_provider::value::Value;
use serde_json::json;

fn spec_for(j: serde_json::Value) -> EnvironmentSpec {
    match spec::read(&common::env_config(j)) {
        SpecOutcome::Ready(s) => *s,
        SpecOutcome::Invalid(d) => panic!("invalid: {d:?}"),
        SpecOutcome::Unknown => panic!("unknown"),
    }
}

fn zones(names: &[&str]) -> Vec<String> {
    names.iter().map(|z| z.to_string()).collect()
}

fn in_region(region: &str, j: serde_json::Value) -> Topology {
    let at = Placement::new(
        region,
        "123456789012",
        zones(&[
            &format!("{region}a"),
            &format!("{region}b"),
            &format!("{region}c"),
        ]),
    );
    expand(&spec_for(j), &at, &BTreeMap::new()).unwrap()
}

fn child<'t>(t: &'t Topology, address: &str) -> &'t Child {
    t.get(address)
        .unwrap_or_else(|| panic!("{address} is in the topology"))
}

fn text(v: Option<&V>) -> String {
    match v {
        Some(V::Str(s)) => s.clone(),
        Some(other) => other.to_json().to_string(),
        None => String::new(),
    }
}

/// A child's JSON document (a policy) as plain JSON.
fn document(c: &Child, key: &str) -> serde_json::Value {
    match c.value(key) {
        Some(V::Json(doc)) => doc.to_preview_value().to_json(),
        other => panic!("{} {key} is not a document: {other:?}", c.address),
    }
}

#[test]
fn zones_are_those_the_account_has_never_letters_made_up() {
    let s = spec_for(json!({"name": "edulibra", "stage": "prod"}));
    let tokyo = Placement::new(
        "ap-northeast-1",
        "123456789012",
        zones(&["ap-northeast-1c", "ap-northeast-1d", "ap-northeast-1a"]),
    );
    let t = expand(&s, &tokyo, &BTreeMap::new()).unwrap();
    let used: std::collections::BTreeSet<String> = t
        .of_kind("aws_subnet")
        .map(|c| text(c.value("availability_zone")))
        .collect();
    assert_eq!(
        used,
        zones(&["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"])
            .into_iter()
            .collect()
    );
    let california = Placement::new(
        "us-west-1",
        "123456789012",
        zones(&["us-west-1a", "us-west-1b"]),
    );
    let err = expand(&s, &california, &BTreeMap::new()).unwrap_err();
    assert!(matches!(
        err,
        TopologyError::NotEnoughZones { wanted: 3, .. }
    ));
    assert_eq!(err.attribute(), "network.az_count");
}

#[test]
fn every_child_says_where_it_lives_and_cloudfronts_needs_live_in_us_east_1() {
    let t = in_region("eu-central-1", json!({"name": "edulibra", "stage": "prod"}));
    for c in &t.children {
        let region = text(c.value("region"));
        let global = c.kind.starts_with("aws_iam_")
            || c.kind.starts_with("aws_cloudfront_")
            || c.kind.starts_with("aws_route53_");
        let for_cloudfront = [
            "aws_wafv2_web_acl.cloudfront",
            "aws_cloudwatch_log_group.waf_cloudfront",
            "aws_wafv2_web_acl_logging_configuration.cloudfront",
            "aws_kms_key.edge",
            "aws_kms_alias.edge",
        ]
        .contains(&c.address.as_str());
        let want = if global || for_cloudfront {
            "us-east-1"
        } else {
            "eu-central-1"
        };
        assert_eq!(region, want, "{}", c.address);
    }
    // The log group of the CLOUDFRONT-scope ACL is encrypted with the key in its own region.
    let group = child(&t, "aws_cloudwatch_log_group.waf_cloudfront");
    assert_eq!(
        group.references()["kms_key_id"],
        ["aws_kms_key.edge".to_string()].into()
    );
    // In us-east-1 there is no second key: the environment's own serves.
    let home = in_region("us-east-1", json!({"name": "edulibra", "stage": "prod"}));
    assert!(home.get("aws_kms_key.edge").is_none());
}

#[test]
fn names_unique_per_account_carry_the_region() {
    let t = in_region("eu-central-1", json!({"name": "edulibra", "stage": "prod"}));
    for c in t.of_kind("aws_iam_role") {
        assert!(
            text(c.value("name")).contains("-eu-central-1-"),
            "{}: {}",
            c.address,
            text(c.value("name"))
        );
    }
    for address in [
        "aws_cloudfront_origin_access_control.site",
        "aws_wafv2_web_acl.cloudfront",
        "aws_cloudtrail.main",
    ] {
        assert!(
            text(child(&t, address).value("name")).contains("eu-central-1"),
            "{address}"
        );
    }
    for c in t.children.iter().filter(|c| c.value("tags").is_some()) {
        let tags = c.value("tags").unwrap();
        assert_eq!(
            text(tags.get("edulibra:region")),
            "eu-central-1",
            "{}",
            c.address
        );
    }
}

#[test]
fn policies_let_each_service_do_what_the_platform_asks_of_it() {
    let t = in_region("eu-central-1", json!({"name": "edulibra", "stage": "prod"}));
    // CloudFront reads the SSE-KMS site bucket through origin access control: the key must let
    // it decrypt, or every object answers 403.
    let key = document(child(&t, "aws_kms_key.main"), "policy").to_string();
    assert!(key.contains("cloudfront.amazonaws.com"), "{key}");
    assert!(key.contains("kms:Decrypt"), "{key}");
    // CloudWatch Logs is held to this account's log groups by encryption context.
    assert!(key.contains("kms:EncryptionContext:aws:logs:arn"), "{key}");
    assert!(key.contains("logs.eu-central-1.amazonaws.com"), "{key}");
    // CloudTrail publishes to the alarm topic, for this trail only.
    let topic = document(child(&t, "aws_sns_topic.alarms"), "policy");
    let trail_stmt = topic["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Principal"]["Service"] == "cloudtrail.amazonaws.com")
        .expect("a statement for CloudTrail");
    assert_eq!(trail_stmt["Action"], "SNS:Publish");
    assert!(trail_stmt["Condition"]["StringEquals"]["AWS:SourceArn"]
        .as_str()
        .unwrap()
        .ends_with(&format!(
            "trail/{}",
            text(child(&t, "aws_cloudtrail.main").value("name"))
        )));
    // Load balancers write their logs as the region's ELB account where AWS documents one.
    let logs = document(child(&t, "aws_s3_bucket_policy.logs"), "policy").to_string();
    assert!(logs.contains("arn:aws:iam::054676820928:root"), "{logs}");
    let newer = in_region("eu-central-2", json!({"name": "edulibra", "stage": "prod"}));
    let logs = document(child(&newer, "aws_s3_bucket_policy.logs"), "policy").to_string();
    assert!(
        logs.contains("logdelivery.elasticloadbalancing.amazonaws.com"),
        "{logs}"
    );
    // The CloudFront log bucket keeps ACLs, and the distribution waits for that.
    let ownership = child(&t, "aws_s3_bucket_ownership_controls.logs");
    assert!(ownership
        .value("rule")
        .unwrap()
        .to_json()
        .to_string()
        .contains("BucketOwnerPreferred"));
    assert!(child(&t, "aws_cloudfront_distribution.main")
        .depends_on
        .contains("aws_s3_bucket_ownership_controls.logs"));
}

#[test]
fn what_aws_checks_at_create_exists_first() {
    let t = in_region("eu-central-1", json!({"name": "edulibra", "stage": "prod"}));
    let deps = |a: &str| child(&t, a).depends_on.clone();
    assert!(deps("aws_db_instance.main").contains("aws_iam_role_policy_attachment.rds_monitoring"));
    assert!(deps("aws_cloudtrail.main").contains("aws_iam_role_policy.cloudtrail"));
    assert!(deps("aws_lb.main").contains("aws_route.public_internet"));
    let s = in_region(
        "eu-central-1",
        json!({"name": "edulibra", "stage": "prod", "compute": "serverless"}),
    );
    let account = child(&s, "aws_api_gateway_account.main");
    assert!(account
        .depends_on
        .contains("aws_iam_role_policy_attachment.apigateway_cloudwatch"));
    assert!(child(&s, "aws_api_gateway_stage.main")
        .depends_on
        .contains("aws_api_gateway_account.main"));
    // No reserved concurrency unless asked: a new account's quota can be 10.
    assert_eq!(
        child(&s, "aws_lambda_function.api").value("reserved_concurrent_executions"),
        Some(&V::Null)
    );
}

#[test]
fn the_default_container_works_with_the_task_it_runs_in() {
    let t = in_region("eu-central-1", json!({"name": "edulibra", "stage": "dev"}));
    let task = child(&t, "aws_ecs_task_definition.app");
    let containers = document(task, "container_definitions");
    let app = &containers[0];
    assert_eq!(app["readonlyRootFilesystem"], true);
    assert_eq!(app["mountPoints"][0]["containerPath"], "/tmp");
    assert_eq!(
        task.value("volume").unwrap().to_json()[0]["name"],
        app["mountPoints"][0]["sourceVolume"]
    );
    let tg = child(&t, "aws_lb_target_group.app");
    let port = app["portMappings"][0]["containerPort"].clone();
    assert_eq!(tg.value("port").unwrap().to_json(), port);
    assert!(text(Some(&V::Str(app["image"].as_str().unwrap().into()))).contains("unprivileged"));
    assert_eq!(
        tg.value("health_check").unwrap().to_json()[0]["path"],
        "/",
        "the default image answers 200 on /"
    );
}

#[test]
fn an_https_origin_is_reached_by_a_name_its_certificate_covers() {
    let t = in_region(
        "eu-central-1",
        json!({"name": "edulibra", "stage": "prod",
               "containers": {"certificate_arn": "arn:aws:acm:eu-central-1:123456789012:certificate/x"},
               "cdn": {"domain_name": "learn.example.com", "zone_id": "Z1",
                       "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/y"}}),
    );
    let cdn = child(&t, "aws_cloudfront_distribution.main")
        .value("origin")
        .unwrap()
        .to_json();
    let api = cdn
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["origin_id"] == "api")
        .unwrap();
    assert_eq!(api["domain_name"], "api.learn.example.com");
    assert_eq!(
        api["custom_origin_config"][0]["origin_protocol_policy"],
        "https-only"
    );
    let record = child(&t, "aws_route53_record.api_origin");
    assert_eq!(text(record.value("name")), "api.learn.example.com");
}

#[test]
fn a_new_package_a_new_body_and_a_new_version_change_in_place() {
    let dir = std::env::temp_dir().join(format!("edulibra-pkg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hash = |bytes: &[u8]| {
        let p = dir.join("app.zip");
        std::fs::write(&p, bytes).unwrap();
        let t = in_region(
            "eu-central-1",
            json!({"name": "edulibra", "stage": "dev", "compute": "serverless",
                   "functions": {"package": p.to_str().unwrap()}}),
        );
        text(child(&t, "aws_lambda_function.api").value("source_code_hash"))
    };
    let (one, two) = (hash(b"one"), hash(b"two"));
    assert_ne!(one, two, "new code under the same file name is a change");

    // The deployment carries the API body's hash: a new body is a new deployment.
    let t = in_region(
        "eu-central-1",
        json!({"name": "edulibra", "stage": "dev", "compute": "serverless"}),
    );
    let triggers = child(&t, "aws_api_gateway_deployment.main")
        .value("triggers")
        .unwrap()
        .to_json();
    assert_eq!(triggers["redeployment"].as_str().unwrap().len(), 44);
    let m = |pairs: &[(&str, Value)]| {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    };
    assert!(matches!(
        decide(
            "aws_api_gateway_deployment",
            &m(&[("triggers", Value::String("b".into()))]),
            Some(&m(&[("triggers", Value::String("a".into()))]))
        ),
        Action::Update(_)
    ));
    // A major version upgrade keeps the database.
    assert!(matches!(
        decide(
            "aws_db_instance",
            &m(&[("engine_version", Value::String("17".into()))]),
            Some(&m(&[("engine_version", Value::String("16".into()))]))
        ),
        Action::Update(_)
    ));
    // A state from before children carried their region is not a change.
    assert_eq!(
        decide(
            "aws_vpc",
            &m(&[("region", Value::String("eu-central-1".into()))]),
            Some(&m(&[]))
        ),
        Action::Keep
    );
}

#[test]
fn a_destroy_plan_names_what_destroy_keeps_and_what_stops_it() {
    use edulibra_provider::environment::plan::destroy_notes;
    let state = |stage: &str, skip_final: &str, force: bool, protect: bool| {
        let mut v = spec::config_from_json(&json!({
            "name": "edulibra", "stage": stage, "force_destroy": force,
            "database": {"deletion_protection": protect},
        }));
        if let Value::Map(m) = &mut v {
            m.insert(
                "provisioned".into(),
                Value::Map(
                    [
                        (
                            "aws_db_instance.main",
                            vec![("skip_final_snapshot", skip_final)],
                        ),
                        ("aws_kms_key.main", vec![("id", "k")]),
                    ]
                    .into_iter()
                    .map(|(a, kv)| {
                        (
                            a.to_string(),
                            Value::Map(
                                kv.into_iter()
                                    .map(|(k, v)| (k.to_string(), Value::String(v.into())))
                                    .collect(),
                            ),
                        )
                    })
                    .collect(),
                ),
            );
        }
        destroy_notes(&v)
            .iter()
            .map(|d| format!("{}: {}", d.summary, d.detail))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let prod = state("prod", "false", false, true);
    assert!(prod.contains("final snapshot"), "{prod}");
    assert!(prod.contains("KMS key"), "{prod}");
    assert!(prod.contains("deletion protection"), "{prod}");
    assert!(prod.contains("force_destroy is off"), "{prod}");
    let dev = state("dev", "true", true, false);
    assert_eq!(dev, "", "dev keeps nothing and nothing stops it");
}

#[test]
fn global_services_live_in_their_partitions_home_region() {
    for (region, home) in [
        ("eu-central-1", "us-east-1"),
        ("us-gov-east-1", "us-gov-west-1"),
        ("cn-northwest-1", "cn-north-1"),
    ] {
        let t = in_region(region, json!({"name": "edulibra", "stage": "prod"}));
        let role = t.of_kind("aws_iam_role").next().unwrap();
        assert_eq!(text(role.value("region")), home, "{region}");
        assert!(text(role.value("name")).contains(region), "{region}");
    }
}

#[test]
fn endpoint_names_follow_the_partitions_dns_suffix() {
    use edulibra_provider::topology::dns_suffix;
    assert_eq!(dns_suffix("cn-north-1"), "amazonaws.com.cn");
    assert_eq!(dns_suffix("us-gov-west-1"), "amazonaws.com");
    assert_eq!(dns_suffix("eu-central-1"), "amazonaws.com");
    // The site bucket's origin in China carries China's suffix, as S3 names it there.
    let t = in_region(
        "cn-northwest-1",
        json!({"name": "edulibra", "stage": "dev"}),
    );
    let origins = format!(
        "{:?}",
        t.of_kind("aws_cloudfront_distribution")
            .next()
            .map(|d| d.value("origin"))
    );
    assert!(
        !origins.contains("s3.cn-northwest-1.amazonaws.com\"")
            && origins.contains("amazonaws.com.cn"),
        "{origins}"
    );
}
