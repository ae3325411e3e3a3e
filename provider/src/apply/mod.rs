//! The apply engine: runs an environment's topology against AWS.
//!
//! The engine (`engine`, `graph`, `retry`) knows nothing about AWS services: it walks the
//! dependency graph, resolves each child's values from the children it refers to, decides per
//! child whether to keep, adopt, create, update in place or replace it (`kinds`, pure data), and
//! calls a [`driver::Driver`] for the child's type. The drivers (`services`) are the only code
//! that talks to AWS.

pub mod calls;
pub mod driver;
pub mod engine;
pub mod graph;
pub mod kinds;
pub mod pages;
pub mod resource;
pub mod retry;
pub mod services;
pub mod tags;
pub mod wait;

pub use driver::{assigned, Attrs, CallError, Desired, Driver, ErrorClass, Registry};
pub use engine::{Engine, Options, Outcome, Prior};
