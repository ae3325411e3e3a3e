//! How an environment's state records what exists in AWS: the `provisioned` attribute (what AWS
//! assigned to each child), the children's values in `topology` (as applied, then as read), and
//! the outputs derived from them. Pure functions between state values and the engine's types.

use std::collections::BTreeMap;

use crate::apply::engine::PriorChild;
use crate::apply::{assigned, Attrs, Outcome, Prior};
use crate::topology::Topology;
use crate::value::Value;

/// The computed outputs and where each comes from: the first of its (child, attribute) pairs
/// whose child is in the topology (the API is the ALB or the API Gateway stage, by compute mode).
const OUTPUTS: &[(&str, &[(&str, &str)])] = &[
    ("vpc_id", &[("aws_vpc.main", "id")]),
    ("kms_key_arn", &[("aws_kms_key.main", "arn")]),
    (
        "cdn_domain_name",
        &[("aws_cloudfront_distribution.main", "domain_name")],
    ),
    (
        "api_endpoint",
        &[
            ("aws_lb.main", "dns_name"),
            ("aws_api_gateway_stage.main", "invoke_url"),
        ],
    ),
    ("database_endpoint", &[("aws_db_instance.main", "endpoint")]),
    (
        "database_secret_arn",
        &[("aws_db_instance.main", "master_user_secret_arn")],
    ),
];

const SUBNET_OUTPUTS: &[(&str, &str)] = &[
    ("public_subnet_ids", "aws_subnet.public["),
    ("private_subnet_ids", "aws_subnet.private["),
    ("data_subnet_ids", "aws_subnet.data["),
];

/// The outputs given a lookup of child attributes (Unknown or Null where the child's value is
/// not known / does not exist).
pub fn outputs(
    topology: &Topology,
    lookup: &dyn Fn(&str, &str) -> Value,
) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    for (name, sources) in OUTPUTS {
        let value = sources
            .iter()
            .find(|(address, _)| topology.get(address).is_some())
            .map(|(address, attr)| lookup(address, attr))
            .unwrap_or(Value::Null);
        out.push((*name, value));
    }
    for (name, prefix) in SUBNET_OUTPUTS {
        let ids: Vec<Value> = topology
            .children
            .iter()
            .filter(|c| c.address.starts_with(prefix))
            .map(|c| lookup(&c.address, "id"))
            .collect();
        let v = if ids.iter().any(Value::is_unknown) {
            Value::Unknown
        } else if ids.iter().any(Value::is_null) {
            Value::Null
        } else {
            Value::List(ids)
        };
        out.push((*name, v));
    }
    out
}

pub fn provisioned_of(state: &Value) -> BTreeMap<String, Attrs> {
    let mut out = BTreeMap::new();
    if let Some(m) = state.get("provisioned").inner().as_map() {
        for (address, attrs) in m {
            if let Some(a) = attrs.inner().as_map() {
                out.insert(
                    address.clone(),
                    a.iter()
                        .filter_map(|(k, v)| v.inner().as_str().map(|s| (k.clone(), s.to_string())))
                        .collect(),
                );
            }
        }
    }
    out
}

pub fn provisioned_value(p: &BTreeMap<String, Attrs>) -> Value {
    Value::Map(
        p.iter()
            .map(|(a, attrs)| {
                (
                    a.clone(),
                    Value::Map(
                        attrs
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                            .collect(),
                    ),
                )
            })
            .collect(),
    )
}

/// What the state holds: provisioned children, their values, and the order to delete them in.
pub fn prior_of(state: &Value) -> Prior {
    let mut prior = Prior {
        provisioned: provisioned_of(state),
        ..Prior::default()
    };
    for entry in state.get("topology").inner().as_list().unwrap_or(&[]) {
        let e = entry.inner();
        let Some(address) = e.get("address").inner().as_str() else {
            continue;
        };
        let kind = e.get("type").inner().as_str().unwrap_or("").to_string();
        let depends_on = e
            .get("depends_on")
            .inner()
            .as_list()
            .unwrap_or(&[])
            .iter()
            .filter_map(|d| d.inner().as_str().map(str::to_string))
            .collect();
        prior.values.insert(
            address.to_string(),
            crate::apply::kinds::plain(e.get("values")),
        );
        prior.children.push(PriorChild {
            address: address.to_string(),
            kind,
            depends_on,
        });
    }
    prior
}

/// The topology attribute with each child's values as they are in AWS: applied values for the
/// children that exist, references resolved (or null) for those that do not.
pub fn topology_value(
    topology: &Topology,
    values: &BTreeMap<String, Value>,
    provisioned: &BTreeMap<String, Attrs>,
) -> Value {
    let mut planned = topology.to_plan_value();
    if let Value::List(entries) = &mut planned {
        for (entry, child) in entries.iter_mut().zip(&topology.children) {
            let v = match values.get(&child.address) {
                Some(v) => v.clone(),
                None => null_unknowns(child.resolve(&|a, k| assigned(provisioned, a, k))),
            };
            if let Value::Map(m) = entry {
                m.insert("values".into(), v);
            }
        }
    }
    planned
}

fn null_unknowns(v: Value) -> Value {
    match v {
        Value::Unknown => Value::Null,
        Value::List(l) => Value::List(l.into_iter().map(null_unknowns).collect()),
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, null_unknowns(v))).collect()),
        other => other,
    }
}

/// The new state after the engine ran: `base` (the planned arguments) with the topology, the
/// provisioned children and the outputs filled from the outcome.
pub fn after_apply(base: &Value, topology: &Topology, out: &Outcome) -> Value {
    let mut m = base.as_map().cloned().unwrap_or_default();
    m.insert(
        "topology".into(),
        topology_value(topology, &out.values, &out.provisioned),
    );
    m.insert("provisioned".into(), provisioned_value(&out.provisioned));
    let lookup = |a: &str, k: &str| {
        out.provisioned
            .get(a)
            .and_then(|x| x.get(k))
            .map(|s| Value::String(s.clone()))
            .unwrap_or(Value::Null)
    };
    for (k, v) in outputs(topology, &lookup) {
        m.insert(k.into(), v);
    }
    Value::Map(m)
}
