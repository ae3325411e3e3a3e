//! The `edulibra_environment` resource: schema, plan, and the parts of its lifecycle that need
//! AWS (apply, read, import), split as terraform-plugin-framework splits a resource.

pub mod identity;
pub mod lifecycle;
pub mod listing;
pub mod plan;
pub mod spec;
pub mod state;
pub mod verdicts;
