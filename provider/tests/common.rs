//! Builds configuration values the way Terraform sends them: every attribute present, unset
//! ones null, group blocks as objects.

use edulibra_provider::environment::spec;
use edulibra_provider::value::{Type, Value};

pub fn shaped(ty: &Type, j: Option<&serde_json::Value>) -> Value {
    match (ty, j) {
        (Type::Object(attrs), Some(serde_json::Value::Object(o))) => Value::Map(
            attrs
                .iter()
                .map(|(k, t)| (k.clone(), shaped(t, o.get(k))))
                .collect(),
        ),
        (Type::Object(attrs), None) => Value::Map(
            attrs
                .iter()
                .map(|(k, t)| (k.clone(), group_or_null(t)))
                .collect(),
        ),
        (_, Some(v)) => Value::from_json(v),
        (_, None) => Value::Null,
    }
}

fn group_or_null(t: &Type) -> Value {
    match t {
        // Group blocks arrive as objects of nulls when absent.
        Type::Object(attrs) => Value::Map(attrs.keys().map(|k| (k.clone(), Value::Null)).collect()),
        _ => Value::Null,
    }
}

pub fn env_config(j: serde_json::Value) -> Value {
    shaped(&spec::schema().block.implied_type(), Some(&j))
}
