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

use crate::vm::Vm;

/// The library rule that yields one resource's facts.
pub const FACTS_ENTRY: &str = "data.edulibra.lib.engine_identity";
/// The library constant that lists the resource types the facts are for.
pub const TYPES_ENTRY: &str = "data.edulibra.lib.iam_policy_subject_types";

/// The compiled library's facts program and the resource types it is for, made once per
/// process (`compiled::Programs::identity`).
pub struct Facts {
    program: Arc<Program>,
    pub types: BTreeSet<String>,
}

impl Facts {
    /// Reads the resource types from the program (entry 1) once.
    pub fn new(program: Arc<Program>, limit: Duration) -> Result<Facts, String> {
        let types = Vm::new(program.clone(), limit).entry(1, &regorus::Value::new_object())?;
        let types = crate::vm::string_set(&types)
            .ok_or_else(|| format!("{TYPES_ENTRY} is not a set of strings"))?;
        Ok(Facts { program, types })
    }

    /// Adds its facts to each of the rule inputs (`{"resource": r}` becomes
    /// `{"resource": r ∪ {"identity": facts}}`). Undefined facts are left out, and
    /// `lib.identity` works them out again.
    pub fn add_to(
        &self,
        limit: Duration,
        inputs: &mut [&mut regorus::Value],
    ) -> Result<(), String> {
        let mut vm = Vm::new(self.program.clone(), limit);
        let key = regorus::Value::from("resource");
        for input in inputs {
            let facts = vm.entry(0, input)?;
            if facts == regorus::Value::Undefined {
                continue;
            }
            if let Some(resource) = input.as_object_mut().ok().and_then(|m| m.get_mut(&key)) {
                if let Ok(r) = resource.as_object_mut() {
                    r.insert(regorus::Value::from("identity"), facts);
                }
            }
        }
        Ok(())
    }
}
