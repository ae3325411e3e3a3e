//! `input.resource.identity`: the identity-policy facts of each IAM resource, worked out once
//! before the compiled rules run.
//!
//! Ten built-in rules read the statements of the same identity policies (1,627 resources of a
//! 10,000-resource plan), and each normalised them again: that was most of each rule's time.
//! `lib.identity_facts` (Rego, `policies/lib/edulibra.rego`) does it once per resource here, in
//! the compiled library, and the result rides in the resource's input. The rules read it through
//! `lib.identity(r)`, which computes the same function when the field is absent (the interpreter,
//! the rules' own tests), so both paths run one piece of Rego and `tests/engines.rs` holds them to
//! the same verdicts.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use regorus::rvm::program::Program;

use crate::compiled::Vm;

/// The library rule that yields one resource's facts.
pub const FACTS_ENTRY: &str = "data.edulibra.lib.engine_identity";
/// The library constant that lists the resource types the facts are for.
pub const TYPES_ENTRY: &str = "data.edulibra.lib.iam_policy_subject_types";
/// The key the facts take in a resource's input.
const KEY: &str = "identity";

/// The resource types whose inputs get facts, read from the library.
pub fn subject_types(program: &Arc<Program>, limit: Duration) -> Result<BTreeSet<String>, String> {
    let mut vm = Vm::new(program.clone(), limit);
    let types = vm.entry(1, &regorus::Value::new_object())?;
    let set = types
        .as_set()
        .map_err(|_| format!("{TYPES_ENTRY} is not a set of strings"))?;
    set.iter()
        .map(|t| {
            t.as_string()
                .map(|s| s.to_string())
                .map_err(|_| format!("{TYPES_ENTRY} is not a set of strings"))
        })
        .collect()
}

/// The facts for each of `resources` (rule inputs `{"resource": r}`), in their order.
pub fn facts(
    program: &Arc<Program>,
    limit: Duration,
    resources: &[&regorus::Value],
) -> Result<Vec<regorus::Value>, String> {
    let mut vm = Vm::new(program.clone(), limit);
    resources.iter().map(|input| vm.entry(0, input)).collect()
}

/// The resource's input with its facts added: `{"resource": r ∪ {"identity": facts}}`.
/// Undefined facts are left out, and `lib.identity` works them out again.
pub fn with_facts(resource: &regorus::Value, facts: regorus::Value) -> regorus::Value {
    let mut r = resource.clone();
    if facts != regorus::Value::Undefined {
        if let Ok(map) = r.as_object_mut() {
            map.insert(regorus::Value::from(KEY), facts);
        }
    }
    let mut input = regorus::Value::new_object();
    input
        .as_object_mut()
        .expect("new object")
        .insert(regorus::Value::from("resource"), r);
    input
}
