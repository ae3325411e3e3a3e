//! Configuration values the way Terraform sends them, from JSON.

use edulibra_provider::environment::spec;
use edulibra_provider::value::Value;

pub fn env_config(j: serde_json::Value) -> Value {
    spec::config_from_json(&j)
}
