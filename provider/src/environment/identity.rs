//! The environment's resource identity (plugin protocol 5.9, Terraform 1.12 and later): what
//! names one environment in an account, whatever configuration made it. `import { to = ...,
//! identity = { name = "edulibra", stage = "prod" } }` imports by it. Pure: the provider puts it
//! on the wire.

use crate::diag::Diagnostic;
use crate::topology::Placement;
use crate::value::{Type, Value};

/// The identity's schema version; a change of shape needs an upgrade path from every earlier
/// one (`UpgradeResourceIdentity`).
pub const VERSION: i64 = 0;

/// (attribute, required for import, description).
pub const ATTRIBUTES: [(&str, bool, &str); 4] = [
    ("name", true, "The environment's `name`."),
    (
        "stage",
        true,
        "The environment's `stage`: dev, staging or prod.",
    ),
    (
        "region",
        false,
        "The AWS region it lives in; the provider's region when left out.",
    ),
    (
        "account_id",
        false,
        "The AWS account it lives in; the provider's account when left out.",
    ),
];

pub fn identity_type() -> Type {
    Type::object(ATTRIBUTES.iter().map(|(n, ..)| (*n, Type::String)))
}

/// The identity of the environment `state` describes, placed at `at`; None while its name or
/// stage is not known (a plan from unknown values).
pub fn of_state(state: &Value, at: &Placement) -> Option<Value> {
    let name = state.get("name").as_str()?;
    let stage = state.get("stage").as_str()?;
    Some(Value::object([
        ("name", Value::from(name)),
        ("stage", Value::from(stage)),
        ("region", Value::from(at.region.as_str())),
        ("account_id", Value::from(at.account_id.as_str())),
    ]))
}

/// The import id (`<name>-<stage>`) an identity names, once it is checked against where the
/// provider works: an identity of another region or account matches nothing this provider can
/// see, and says so.
pub fn import_id(identity: &Value, at: &Placement) -> Result<String, Diagnostic> {
    let field = |k: &str| identity.get(k).as_str().filter(|s| !s.is_empty());
    let (Some(name), Some(stage)) = (field("name"), field("stage")) else {
        return Err(Diagnostic::error(
            "Incomplete identity",
            "An edulibra_environment identity needs `name` and `stage`.",
        ));
    };
    for (key, here) in [("region", &at.region), ("account_id", &at.account_id)] {
        if let Some(given) = field(key) {
            if given != here {
                return Err(Diagnostic::error(
                    "No environment with this identity",
                    format!("The identity names {key} {given:?}, but this provider works in {key} {here:?}: no environment {name}-{stage} there. Configure a provider for {given} (an alias) and import with it."),
                ));
            }
        }
    }
    Ok(format!("{name}-{stage}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Placement {
        Placement::new("eu-central-1", "123456789012", vec!["eu-central-1a".into()])
    }

    #[test]
    fn the_identity_names_the_environment_where_the_provider_works() {
        let state = Value::object([("name", Value::from("edu")), ("stage", Value::from("prod"))]);
        let id = of_state(&state, &at()).unwrap();
        assert_eq!(id.get("region").as_str(), Some("eu-central-1"));
        assert_eq!(import_id(&id, &at()).unwrap(), "edu-prod");
        let elsewhere = Value::object([
            ("name", Value::from("edu")),
            ("stage", Value::from("prod")),
            ("region", Value::from("us-west-2")),
        ]);
        let e = import_id(&elsewhere, &at()).unwrap_err();
        assert!(e.detail.contains("us-west-2"), "{}", e.detail);
        let partial = Value::object([("name", Value::from("edu"))]);
        assert!(import_id(&partial, &at()).is_err());
        let unknown = Value::object([("name", Value::Unknown), ("stage", Value::from("dev"))]);
        assert!(of_state(&unknown, &at()).is_none());
    }
}
