//! Paths the validator's tests read.
#![allow(dead_code)] // each test binary uses some of these

use std::path::PathBuf;

/// This checkout's `validator/`. Cargo sets `CARGO_MANIFEST_DIR` when it runs a test; the
/// compile-time value would name another checkout if the binary was built there (shared target
/// directory).
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
}

/// `../shared` beside the clone: the fixtures and the plan generator, which stay out of the
/// project. A test that needs them says so when they are missing.
pub fn shared() -> PathBuf {
    let p = manifest_dir().join("../../shared");
    assert!(
        p.join("fixtures/plans").is_dir() && p.join("tools/gen_plan.py").is_file(),
        "these tests read ../shared/fixtures/plans and ../shared/tools/gen_plan.py beside the clone; {} is missing",
        p.display()
    );
    p
}
