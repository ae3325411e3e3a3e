//! Any bytes as a plan file: loading either refuses them with an error or gives a plan, which
//! the built-in rules then judge. Neither may panic or hang.
#![no_main]

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use edulibra_validate::eval::{evaluate, Options};
use edulibra_validate::plan::load_bytes;
use edulibra_validate::rules::RuleSet;
use edulibra_validate::waivers::Waivers;
use libfuzzer_sys::fuzz_target;

fn rules() -> &'static Mutex<RuleSet> {
    static RULES: OnceLock<Mutex<RuleSet>> = OnceLock::new();
    RULES.get_or_init(|| {
        Mutex::new(RuleSet::load(true, &[], Duration::from_secs(5)).expect("built-in rules load"))
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(plan) = load_bytes("fuzz.json", data) {
        let mut rules = rules().lock().unwrap();
        let _ = evaluate(&mut rules, &[plan], &Waivers::default(), &Options { only_changes: false });
    }
});
