//! terraform-provider-edulibra: a Terraform provider (plugin protocol 5) whose resource
//! `edulibra_environment` expands into the whole EduLibra platform on AWS.
//!
//! The crate is cut by concern: the wire (`proto`, `codec`, `value`, `schema`, `diag`), the
//! process (`handshake`, `tls`, `server`, `logging`), the provider (`provider`, `config`,
//! `aws`), and the domain (`environment`, `topology`, `data_sources`). `topology` and `lambda_package` are pure.

pub mod apply;
pub mod aws;
pub mod codec;
pub mod config;
pub mod data_sources;
pub mod diag;
pub mod environment;
pub mod ephemeral;
pub mod handshake;
pub mod lambda_package;
pub mod logging;
pub mod proto;
pub mod provider;
pub mod schema;
pub mod server;
pub mod tls;
pub mod topology;
pub mod value;
