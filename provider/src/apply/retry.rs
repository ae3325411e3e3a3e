//! Jittered exponential backoff for transient AWS errors, around a whole driver operation. Reads
//! are also retried call by call by the SDK; calls that change something are retried only here,
//! where the operation looks the child up again first (see `AwsContext::engine_retry`). The log
//! line names the child.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use super::driver::{CallError, ErrorClass};

#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts after the first.
    pub retries: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 8,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// "Full jitter": a uniform delay up to the exponential bound, so concurrent children that
    /// hit the same throttle do not retry in lockstep.
    pub fn delay(&self, attempt: u32, seed: u64) -> Duration {
        let exp = self.base.saturating_mul(1u32 << attempt.min(16));
        let bound = exp.min(self.cap).as_millis().max(1) as u64;
        Duration::from_millis(splitmix(seed ^ attempt as u64) % bound + 1)
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn seed(label: &str) -> u64 {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    label.bytes().fold(t, |h, b| splitmix(h ^ b as u64))
}

/// Runs `call` until it succeeds, fails for good, runs out of attempts, or a stop is asked.
pub async fn with_retry<T, F, Fut>(
    policy: &RetryPolicy,
    label: &str,
    stop: &watch::Receiver<bool>,
    mut call: F,
) -> Result<T, CallError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CallError>>,
{
    let seed = seed(label);
    let mut attempt = 0;
    loop {
        match call().await {
            Err(e) if e.class == ErrorClass::Transient && attempt < policy.retries => {
                if *stop.borrow() {
                    return Err(e);
                }
                let wait = policy.delay(attempt, seed);
                tracing::info!(child = label, attempt = attempt + 1, wait_ms = wait.as_millis() as u64, error = %e, "retrying after a transient AWS error");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn transient() -> CallError {
        CallError::new("Op", "Throttling", "slow down", ErrorClass::Transient)
    }

    #[test]
    fn delays_grow_but_stay_under_the_cap() {
        let p = RetryPolicy {
            retries: 10,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
        };
        for attempt in 0..12 {
            for s in 0..50 {
                let d = p.delay(attempt, s);
                let bound = (100u64 << attempt.min(16)).min(2000);
                assert!(d.as_millis() as u64 <= bound, "{attempt}: {d:?}");
            }
        }
        let spread: std::collections::BTreeSet<_> = (0..50).map(|s| p.delay(4, s)).collect();
        assert!(spread.len() > 10, "jitter spreads retries: {spread:?}");
    }

    #[tokio::test]
    async fn transient_errors_are_retried_and_permanent_ones_are_not() {
        let (_tx, stop) = watch::channel(false);
        let p = RetryPolicy {
            retries: 5,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
        };
        let calls = AtomicU32::new(0);
        let r = with_retry(&p, "t", &stop, || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 3 {
                Err(transient())
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(r, Ok(7));
        assert_eq!(calls.load(Ordering::SeqCst), 4);

        let calls = AtomicU32::new(0);
        let r: Result<(), _> = with_retry(&p, "t", &stop, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(CallError::new(
                "Op",
                "AccessDenied",
                "no",
                ErrorClass::Permanent,
            ))
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let calls = AtomicU32::new(0);
        let r: Result<(), _> = with_retry(&p, "t", &stop, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(transient())
        })
        .await;
        assert!(r.is_err());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            6,
            "first attempt plus five retries"
        );
    }
}
