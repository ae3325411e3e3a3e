//! A Mermaid diagram of a topology, for the README: one node per resource type (with its count),
//! grouped by layer, and the dependencies between types. Generated, so it never drifts.

use std::collections::{BTreeMap, BTreeSet};

use super::Topology;

fn layer(kind: &str) -> &'static str {
    match kind {
        "aws_vpc"
        | "aws_subnet"
        | "aws_internet_gateway"
        | "aws_eip"
        | "aws_nat_gateway"
        | "aws_route_table"
        | "aws_route"
        | "aws_route_table_association"
        | "aws_security_group"
        | "aws_vpc_endpoint"
        | "aws_flow_log" => "Network",
        "aws_kms_key" | "aws_kms_alias" | "aws_secretsmanager_secret" => "Security",
        k if k.starts_with("aws_iam_") => "Security",
        k if k.starts_with("aws_s3_")
            || k.starts_with("aws_db_")
            || k.starts_with("aws_dynamodb_")
            || k.starts_with("aws_elasticache_") =>
        {
            "Data"
        }
        k if k.starts_with("aws_ecs_")
            || k.starts_with("aws_lb")
            || k.starts_with("aws_appautoscaling_")
            || k.starts_with("aws_lambda_")
            || k.starts_with("aws_api_gateway_") =>
        {
            "Compute"
        }
        k if k.starts_with("aws_cloudfront_")
            || k.starts_with("aws_wafv2_")
            || k.starts_with("aws_route53_") =>
        {
            "Edge"
        }
        _ => "Operations",
    }
}

/// Edges a reader cares about: between types of different layers, or to the key.
pub fn to_mermaid(t: &Topology, title: &str) -> String {
    let kind_of: BTreeMap<&str, &str> = t
        .children
        .iter()
        .map(|c| (c.address.as_str(), c.kind))
        .collect();
    let counts = t.counts();
    let mut layers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for k in counts.keys() {
        layers.entry(layer(k)).or_default().push(k);
    }
    let mut edges: BTreeSet<(&str, &str)> = BTreeSet::new();
    for c in &t.children {
        for d in &c.depends_on {
            if let Some(dk) = kind_of.get(d.as_str()) {
                if *dk != c.kind && (layer(dk) != layer(c.kind) || *dk == "aws_kms_key") {
                    edges.insert((dk, c.kind));
                }
            }
        }
    }
    let id = |k: &str| k.trim_start_matches("aws_").to_string();
    let mut out = format!("```mermaid\n%% {title}: generated from the expansion (see provider/tests/diagram.rs)\nflowchart LR\n");
    for (name, kinds) in &layers {
        out.push_str(&format!("  subgraph {name}\n"));
        for k in kinds {
            out.push_str(&format!("    {}[\"{k} x{}\"]\n", id(k), counts[k]));
        }
        out.push_str("  end\n");
    }
    for (a, b) in edges {
        out.push_str(&format!("  {} --> {}\n", id(a), id(b)));
    }
    out.push_str("```\n");
    out
}
