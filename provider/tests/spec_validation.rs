//! Invalid configurations give errors at the attribute that causes them.

mod common;

use edulibra_provider::environment::spec::{self, SpecOutcome};
use edulibra_provider::value::Value;
use serde_json::json;

fn errors(j: serde_json::Value) -> Vec<(String, String)> {
    match spec::read(&common::env_config(j)) {
        SpecOutcome::Invalid(d) => d
            .iter()
            .map(|x| (x.dotted_path(), x.summary.clone()))
            .collect(),
        SpecOutcome::Ready(_) => vec![],
        SpecOutcome::Unknown => vec![("<unknown>".into(), String::new())],
    }
}

fn path_of(j: serde_json::Value) -> String {
    let e = errors(j);
    assert_eq!(e.len(), 1, "{e:?}");
    e[0].0.clone()
}

#[test]
fn each_validation_points_at_its_attribute() {
    let base = |extra: serde_json::Value| {
        let mut b = json!({"name": "edulibra", "stage": "prod"});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    assert_eq!(
        path_of(base(json!({"network": {"cidr_block": "10.0.0.0/8"}}))),
        "network.cidr_block"
    );
    assert_eq!(
        path_of(base(json!({"network": {"cidr_block": "10.0.0.1/16"}}))),
        "network.cidr_block"
    );
    assert_eq!(
        path_of(base(json!({"network": {"cidr_block": "not-a-cidr"}}))),
        "network.cidr_block"
    );
    assert_eq!(
        path_of(base(json!({"network": {"az_count": 7}}))),
        "network.az_count"
    );
    assert_eq!(
        path_of(base(json!({"network": {"az_count": 1}}))),
        "network.az_count"
    );
    assert_eq!(
        path_of(base(json!({"network": {"nat_gateways": "two"}}))),
        "network.nat_gateways"
    );
    // No NAT leaves Fargate and Lambda without a route out: refused at the attribute.
    assert_eq!(
        path_of(base(json!({"network": {"nat_gateways": "none"}}))),
        "network.nat_gateways"
    );
    assert_eq!(
        path_of(base(json!({"network": {"az_count": 1}, "stage": "dev"}))),
        "network.az_count"
    );
    assert_eq!(
        path_of(base(json!({"containers": {"health_check_path": "health"}}))),
        "containers.health_check_path"
    );
    assert_eq!(
        path_of(base(
            json!({"functions": {"package": "/no/such/package.zip"}})
        )),
        "functions.package"
    );
    assert_eq!(
        path_of(base(
            json!({"containers": {"certificate_arn": "arn:aws:acm:eu-central-1:1:certificate/x"}})
        )),
        "containers.certificate_arn"
    );
    assert_eq!(path_of(base(json!({"stage": "qa"}))), "stage");
    assert_eq!(path_of(base(json!({"compute": "vm"}))), "compute");
    assert_eq!(
        path_of(base(json!({"containers": {"cpu": 256, "memory": 4096}}))),
        "containers.memory"
    );
    assert_eq!(
        path_of(base(json!({"containers": {"cpu": 300}}))),
        "containers.cpu"
    );
    assert_eq!(path_of(base(json!({"name": "Edu_Libra"}))), "name");
    assert_eq!(
        path_of(base(json!({"name": "a-very-long-environment-name"}))),
        "name"
    );
    assert_eq!(
        path_of(base(json!({"observability": {"log_retention_days": 42}}))),
        "observability.log_retention_days"
    );
    assert_eq!(
        path_of(base(json!({"database": {"backup_retention_days": 40}}))),
        "database.backup_retention_days"
    );
    assert_eq!(
        path_of(base(json!({"functions": {"runtime": "cobol"}}))),
        "functions.runtime"
    );
    assert_eq!(
        path_of(base(json!({"tables": ["ok", "Bad Name"]}))),
        "tables[1]"
    );
    assert_eq!(
        path_of(base(json!({"tags": {"edulibra:environment": "x"}}))),
        "tags[\"edulibra:environment\"]"
    );
    assert_eq!(
        path_of(base(
            json!({"containers": {"min_count": 5, "max_count": 2}})
        )),
        "containers.min_count"
    );
}

#[test]
fn one_az_is_refused_in_every_stage_and_the_longest_name_fits_every_derived_name() {
    // An RDS subnet group and an ALB need subnets in two AZs, in dev as anywhere.
    let e = errors(json!({"name": "edulibra", "stage": "dev", "network": {"az_count": 1}}));
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].0, "network.az_count");
    // ALB and target group names (32 characters) bound the name: with "staging" 20 characters fit.
    assert!(errors(json!({"name": "abcdefghijklmnopqrst", "stage": "staging"})).is_empty());
    let e = errors(json!({"name": "abcdefghijklmnopqrstu", "stage": "staging"}));
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].0, "name");
    for (derived, max, what) in spec::derived_name_limits("abcdefghijklmnopqrst-staging") {
        assert!(derived.len() <= max, "{what}: {derived}");
    }
}

#[test]
fn an_unknown_argument_defers_the_expansion() {
    let mut cfg = common::env_config(json!({"stage": "dev"}));
    if let Value::Map(m) = &mut cfg {
        m.insert("name".into(), Value::Unknown);
    }
    assert!(matches!(spec::read(&cfg), SpecOutcome::Unknown));
}
