//! `EDULIBRA_PROFILE_RULES=1`: the time of each phase of a check and of each rule, on stderr,
//! with the process's resident memory and its peak so far (Linux) at the end of each phase.

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
        eprintln!(
            "phase {name} {:.1} ms{}",
            (now - prev).as_secs_f64() * 1e3,
            memory()
        );
    }
    *last = Some(now);
}

/// `, rss N MiB, peak N MiB` from /proc/self/status, or nothing where there is none.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    };
    match (kib("VmRSS:"), kib("VmHWM:")) {
        (Some(rss), Some(peak)) => format!(", rss {} MiB, peak {} MiB", rss / 1024, peak / 1024),
        _ => String::new(),
    }
}
