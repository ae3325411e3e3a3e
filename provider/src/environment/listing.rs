//! The `edulibra_environment` list resource (Terraform 1.14 and later): `terraform query` with
//! a `list "edulibra_environment" "x" { provider = edulibra  config { stage = "dev" } }` block
//! finds the environments in the account and region, each by its identity, and
//! `-generate-config-out` writes the configuration that imports them.

use crate::diag::Diagnostic;
use crate::schema::{Attribute, Block, Schema};
use crate::value::{Type, Value};

pub fn schema() -> Schema {
    Schema::new(
        0,
        Block::new("Finds the environments in the provider's account and region, by the records their logs buckets keep.")
            .attr(Attribute::optional("stage", Type::String, "Only environments of this stage: `dev`, `staging` or `prod`."))
            .attr(Attribute::optional("name_prefix", Type::String, "Only environments whose name starts with this.")),
    )
    .expect("list schema is valid")
}

/// The filters of a list block's `config`, checked: an error sits at the attribute.
pub fn filters(config: &Value) -> Result<(Option<String>, Option<String>), Diagnostic> {
    let stage = config.get("stage").as_str().map(str::to_string);
    if let Some(s) = &stage {
        if !["dev", "staging", "prod"].contains(&s.as_str()) {
            return Err(Diagnostic::error(
                "Invalid stage",
                format!("{s:?} is not a stage: dev, staging or prod."),
            )
            .at("stage"));
        }
    }
    Ok((
        stage,
        config.get("name_prefix").as_str().map(str::to_string),
    ))
}
