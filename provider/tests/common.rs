//! Configuration values the way Terraform sends them, from JSON.

use edulibra_provider::environment::spec;
use edulibra_provider::value::Value;

pub fn env_config(j: serde_json::Value) -> Value {
    spec::config_from_json(&j)
}

/// This checkout's `provider/`. Cargo sets `CARGO_MANIFEST_DIR` when it runs a test; the
/// compile-time value would name another checkout if the binary was built there (shared target
/// directory).
#[allow(dead_code)] // not every test binary reads files
pub fn manifest_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
}

/// The placement the tests expand in: eu-central-1 with its three zones, the emulator's account.
#[allow(dead_code)] // not every test binary expands
pub fn frankfurt() -> edulibra_provider::topology::Placement {
    edulibra_provider::topology::Placement::new(
        "eu-central-1",
        "123456789012",
        ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
            .map(String::from)
            .to_vec(),
    )
}
