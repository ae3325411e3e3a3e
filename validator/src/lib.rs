//! edulibra-validate: a fail-closed policy gate over Terraform plan JSON. Plans are loaded and
//! normalised (`plan`), rules come from the embedded packs and reviewers' directories (`rules`),
//! `eval` judges every resource (pass, fail or unknown), `waivers` apply reviewed exceptions,
//! `report` renders the result, `testing` runs the rules' own Rego tests.

mod address;
pub mod compiled;
pub mod config;
pub mod corpus;
pub mod environment;
pub mod eval;
pub mod finding;
pub mod gate;
pub mod identity;
pub mod plan;
pub mod profile;
pub mod programs;
mod references;
pub mod report;
pub mod rules;
pub mod sources;
pub mod strict_json;
pub mod testing;
pub mod vm;
pub mod waivers;
