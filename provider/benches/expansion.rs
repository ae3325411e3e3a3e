//! Expansion of the largest configuration (prod, containers, six AZs, a custom domain, extra
//! tables): pure CPU work done on every plan. Run: `cargo bench -p terraform-provider-edulibra --bench expansion`.

use std::collections::BTreeMap;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use edulibra_provider::environment::spec::{self, SpecOutcome};
use edulibra_provider::topology::{expand, Placement};

fn bench(c: &mut Criterion) {
    let cfg = serde_json::json!({
        "name": "edulibra", "stage": "prod", "compute": "containers",
        "network": {"az_count": 6, "nat_gateways": "per_az"},
        "tables": ["exercises", "user_progress", "courses", "certificates", "sessions"],
        "cdn": {"domain_name": "learn.example.com", "zone_id": "Z1", "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/x"},
        "containers": {"certificate_arn": "arn:aws:acm:eu-central-1:123456789012:certificate/y"},
        "observability": {"alarm_email": "ops@example.com"},
        "tags": {"team": "learning", "cost-center": "42"}
    });
    let config = spec::config_from_json(&cfg);
    let spec = match spec::read(&config) {
        SpecOutcome::Ready(s) => *s,
        _ => panic!("valid configuration"),
    };
    let at = Placement::new(
        "eu-central-1",
        "123456789012",
        ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
            .map(String::from)
            .to_vec(),
    );
    let tags = BTreeMap::from([("owner".to_string(), "platform".to_string())]);
    println!(
        "children: {}",
        expand(&spec, &at, &tags).unwrap().children.len()
    );
    c.bench_function("expand_largest", |b| {
        b.iter(|| expand(black_box(&spec), black_box(&at), black_box(&tags)).unwrap())
    });
    c.bench_function("read_spec_and_expand_and_render_plan_value", |b| {
        b.iter(|| {
            let SpecOutcome::Ready(s) = spec::read(black_box(&config)) else {
                unreachable!()
            };
            expand(&s, &at, &tags).unwrap().to_plan_value()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
