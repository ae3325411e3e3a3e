//! One rule's compiled program run in regorus' VM (RVM), with the interpreter's limits: what
//! `eval` and `identity` run, below `compiled`, which makes the programs.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use regorus::rvm::program::Program;
use regorus::rvm::vm::RegoVM;

/// The entry point every built-in rule's package gets: `[deny, unknown]` in one run.
pub const VERDICT: &str = "edulibra_engine_verdict";

/// One rule's program loaded in a VM of its own, with the interpreter's limits.
pub struct Vm {
    vm: RegoVM,
}

impl Vm {
    pub fn new(program: Arc<Program>, limit: Duration) -> Vm {
        let mut vm = RegoVM::new();
        vm.load_program(program);
        vm.set_strict_builtin_errors(true);
        // The VM's own default stops at 25,000 instructions, which a plan rule over thousands of
        // resources exceeds; the time limit is the bound, as for the interpreter.
        vm.set_max_instructions(usize::MAX);
        vm.set_execution_timer_config(Some(regorus::utils::limits::ExecutionTimerConfig {
            limit,
            check_interval: NonZeroU32::new(64).expect("non-zero"),
        }));
        Vm { vm }
    }

    /// The value of the program's entry point `index` for one input.
    pub fn entry(
        &mut self,
        index: usize,
        input: &regorus::Value,
    ) -> Result<regorus::Value, String> {
        self.vm.set_input(input.clone());
        self.vm
            .execute_entry_point_by_index(index)
            .map_err(|e| e.to_string())
    }

    /// `(deny, unknown)` for one input.
    pub fn run(
        &mut self,
        input: &regorus::Value,
    ) -> Result<(regorus::Value, regorus::Value), String> {
        let verdict = self.entry(0, input)?;
        match verdict.as_array().map(|a| a.as_slice()) {
            Ok([deny, unknown]) => Ok((deny.clone(), unknown.clone())),
            // `[deny, unknown]` is undefined only when one half is: the interpreter reads an
            // undefined partial set as no findings, and so does this.
            _ if verdict == regorus::Value::Undefined => {
                Ok((regorus::Value::Undefined, regorus::Value::Undefined))
            }
            _ => Err(format!(
                "{VERDICT} is not [deny, unknown]: {}",
                verdict.to_json_str().unwrap_or_default()
            )),
        }
    }
}

/// The strings of a Rego set of strings that a program answered (a rule's `plan_types`, the
/// identity facts' types); None for anything else (an array, a set holding a number).
pub(crate) fn string_set(v: &regorus::Value) -> Option<std::collections::BTreeSet<String>> {
    v.as_set()
        .ok()?
        .iter()
        .map(|t| t.as_string().ok().map(|s| s.to_string()))
        .collect()
}
