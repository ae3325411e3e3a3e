//! Data sources: `edulibra_caller_identity` (who the provider runs as, from STS) and
//! `edulibra_topology` (the expansion of an environment, without creating anything).

use crate::diag::Diagnostic;
use crate::environment::spec::{self, SpecOutcome};
use crate::schema::{Attribute, Block, Schema};
use crate::topology::{self, Placement};
use crate::value::{Type, Value};

pub fn caller_identity_schema() -> Schema {
    Schema::new(
        0,
        Block::new(
            "The AWS identity the provider runs as, like the aws provider's `aws_caller_identity`.",
        )
        .attr(Attribute::computed("id", Type::String, "The account id."))
        .attr(Attribute::computed(
            "account_id",
            Type::String,
            "AWS account id.",
        ))
        .attr(Attribute::computed(
            "arn",
            Type::String,
            "ARN of the calling identity.",
        ))
        .attr(Attribute::computed(
            "user_id",
            Type::String,
            "Unique id of the calling identity.",
        )),
    )
    .expect("caller identity schema is valid")
}

pub struct CallerIdentity {
    pub account_id: String,
    pub arn: String,
    pub user_id: String,
}

pub fn caller_identity_state(c: &CallerIdentity) -> Value {
    Value::object([
        ("id", Value::from(c.account_id.as_str())),
        ("account_id", Value::from(c.account_id.as_str())),
        ("arn", Value::from(c.arn.as_str())),
        ("user_id", Value::from(c.user_id.as_str())),
    ])
}

/// The environment's arguments, plus the computed expansion. Outputs that need AWS are left out.
pub fn topology_schema() -> Schema {
    let env = spec::block_schema();
    let mut block = Block::new("Expands an environment's configuration into its AWS resources without creating anything: a preview of what `edulibra_environment` would build. References to values only AWS can tell are written `${address.attribute}`.");
    block.attributes = env
        .attributes
        .iter()
        .filter(|a| {
            !a.computed
                || a.optional
                || a.name == "topology"
                || a.name == "resource_count"
                || a.name == "id"
        })
        .cloned()
        .collect();
    block.blocks = env.blocks.clone();
    Schema::new(0, block).expect("topology data source schema is valid")
}

pub fn read_topology(
    config: &Value,
    placement: &Placement,
    default_tags: &std::collections::BTreeMap<String, String>,
) -> Result<Value, Vec<Diagnostic>> {
    let spec = match spec::read(config) {
        SpecOutcome::Ready(s) => s,
        SpecOutcome::Invalid(d) => return Err(d),
        SpecOutcome::Unknown => {
            return Err(vec![Diagnostic::error(
                "Arguments not known",
                "edulibra_topology needs every argument known when it is read.",
            )])
        }
    };
    let topo = topology::expand(&spec, placement, default_tags).map_err(|e| {
        vec![Diagnostic::error("Cannot expand the environment", e.to_string()).at(e.attribute())]
    })?;
    let mut state = config.as_map().cloned().unwrap_or_default();
    spec::fill_defaults(&mut state, &spec);
    state.insert("id".into(), Value::String(spec.prefix()));
    state.insert("topology".into(), topo.to_preview_value());
    state.insert(
        "resource_count".into(),
        Value::int(topo.children.len() as i64),
    );
    Ok(Value::Map(state))
}
