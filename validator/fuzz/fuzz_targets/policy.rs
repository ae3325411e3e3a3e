//! Any text as a reviewer's policy file: loading either refuses it with an error (file and
//! line) or gives rules, which then judge a small plan under the time limit. Neither may panic.
#![no_main]

use std::time::Duration;

use edulibra_validate::eval::{evaluate, Options};
use edulibra_validate::plan::load_bytes;
use edulibra_validate::rules::RuleSet;
use edulibra_validate::waivers::Waivers;
use libfuzzer_sys::fuzz_target;

const PLAN: &[u8] = br#"{"format_version":"1.2","resource_changes":[{"address":"aws_s3_bucket.b","type":"aws_s3_bucket","name":"b","mode":"managed","change":{"actions":["create"],"after":{"bucket":"b","tags":{"a":"b"}},"after_unknown":{}}}]}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let sources = vec![("fuzz.rego".to_string(), text.to_string())];
    if let Ok(mut rules) = RuleSet::from_sources(sources, Duration::from_millis(500)) {
        let plan = load_bytes("plan.json", PLAN).expect("the fixed plan loads");
        let _ = evaluate(&mut rules, &[plan], &Waivers::default(), &Options { only_changes: false });
    }
});
