//! `EDULIBRA_PROFILE_RULES=1`: the time of each phase of a check and of each rule, on stderr.

use std::sync::Mutex;
use std::time::Instant;

static LAST: Mutex<Option<Instant>> = Mutex::new(None);

pub fn enabled() -> bool {
    std::env::var_os("EDULIBRA_PROFILE_RULES").is_some()
}

/// Ends a phase: prints its name and the time since the previous phase ended.
pub fn phase(name: &str) {
    if !enabled() {
        return;
    }
    let now = Instant::now();
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(prev) = *last {
        eprintln!("phase {name} {:.1} ms", (now - prev).as_secs_f64() * 1e3);
    }
    *last = Some(now);
}
