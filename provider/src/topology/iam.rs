//! IAM documents the expansion writes: statements, policies, trust policies for AWS services,
//! and AWS-managed policy ARNs. Every part of the topology that makes a role uses these; they
//! depend on nothing but the builder, so no part depends on another for them.

use super::{json, obj, strings, Builder, V};

pub fn statement(effect: &str, actions: &[&str], resources: Vec<String>) -> V {
    obj([
        ("Effect", effect.into()),
        ("Action", strings(actions.iter().copied())),
        ("Resource", strings(resources)),
    ])
}

pub fn policy(statements: Vec<V>) -> V {
    json(obj([
        ("Version", "2012-10-17".into()),
        ("Statement", V::List(statements)),
    ]))
}

/// Trust policy for an AWS service, limited to this account.
pub fn service_trust(b: &Builder, service: &str) -> V {
    json(obj([
        ("Version", "2012-10-17".into()),
        (
            "Statement",
            V::List(vec![obj([
                ("Effect", "Allow".into()),
                ("Principal", obj([("Service", service.into())])),
                ("Action", "sts:AssumeRole".into()),
                (
                    "Condition",
                    obj([(
                        "StringEquals",
                        obj([("aws:SourceAccount", b.at.account_id.clone().into())]),
                    )]),
                ),
            ])]),
        ),
    ]))
}

/// KMS permissions scoped to the environment's key by its alias (the key's ARN is only known
/// after apply; alias-based access keeps the policy known, and so checkable, at plan time).
pub fn kms_use(b: &Builder, actions: &[&str]) -> V {
    obj([
        ("Effect", "Allow".into()),
        ("Action", strings(actions.iter().copied())),
        ("Resource", b.at.arn("kms", &b.at.region, "key/*").into()),
        (
            "Condition",
            obj([(
                "ForAnyValue:StringEquals",
                obj([(
                    "kms:ResourceAliases",
                    format!("alias/{}", b.prefix()).into(),
                )]),
            )]),
        ),
    ])
}

pub fn managed_policy(b: &Builder, name: &str) -> V {
    format!("arn:{}:iam::aws:policy/{name}", b.at.partition).into()
}
