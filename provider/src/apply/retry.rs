//! Jittered exponential backoff for transient AWS errors, around a whole driver operation. Reads
//! are also retried call by call by the SDK; calls that change something are retried only here,
//! where the operation looks the child up again first (see `AwsContext::engine_retry`). The log
//! line names the child.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use super::driver::{CallError, ErrorClass};

/// Why an error is worth waiting out, and so which budget pays for the wait. One budget for
/// everything either gives up on IAM long before AWS's own provider would, or retries a broken
/// request for as long as a Lambda network interface takes to go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Patience {
    /// 5xx, dropped connections, timeouts: a few attempts.
    Outage,
    /// The service asks us to slow down: backed off for as long as its budget allows.
    Throttle,
    /// A role or policy created moments ago is not visible yet to the service using it, or an id
    /// just created answers NotFound (EC2's and IAM's documented eventual consistency).
    Propagation,
    /// `DependencyViolation`: something AWS itself still holds must be released first (Lambda's
    /// VPC network interfaces, a NAT gateway's addresses).
    Release,
    /// An earlier change is still settling (a lock moved on, a cluster still updating).
    Settling,
}

/// Codes services use for throttling (the SDKs' own lists of throttling errors).
pub const THROTTLE_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "ProvisionedThroughputExceededException",
];

/// How words a service uses for an IAM role or policy it cannot see yet: worth waiting for,
/// unlike a role that is really wrong. Lower case.
pub const PROPAGATION_PHRASES: &[&str] = &[
    "cannot be assumed",
    "unable to assume",
    "not authorized to perform: sts:assumerole",
    "role is not valid",
    // Lambda: a VPC function whose role was just given its network-interface permissions.
    "permissions to call createnetworkinterface",
    // AWS Backup: a selection whose role's policies have not reached it yet.
    "is not authorized to call",
    // RDS: the enhanced-monitoring role before its managed policy is visible to RDS
    // (`InvalidParameterValue`, reported as a race in claranet/terraform-aws-aurora#23).
    "does not include the required permissions for: enhanced_monitoring",
    // CloudTrail: the delivery role or its policy not yet visible (`InvalidCloudWatchLogs*`).
    "check the trust relationships for your role",
    "check the permissions for your role",
    // API Gateway UpdateAccount: the CloudWatch role just created.
    "the role arn does not have required permissions",
];

/// Which budget a transient error draws on (`creating`: NotFound is then a new id not yet
/// visible, not a resource that is gone).
pub fn patience(e: &CallError, creating: bool) -> Option<Patience> {
    let lower = e.message.to_ascii_lowercase();
    match e.class {
        ErrorClass::NotFound if creating => Some(Patience::Propagation),
        ErrorClass::NotFound | ErrorClass::Permanent => None,
        ErrorClass::Transient => Some(if THROTTLE_CODES.contains(&e.code.as_str()) {
            Patience::Throttle
        } else if e.code == "DependencyViolation" {
            Patience::Release
        } else if PROPAGATION_PHRASES.iter().any(|p| lower.contains(p))
            || e.code.starts_with("InvalidCloudWatchLogs")
            || e.code == "InsufficientSnsTopicPolicyException"
        {
            Patience::Propagation
        } else if e.code.starts_with("HTTP ")
            || e.code == "NoResponse"
            || e.code.starts_with("Internal")
            || e.code.starts_with("ServiceUnavailable")
            || e.code.starts_with("RequestTimeout")
        {
            Patience::Outage
        } else {
            Patience::Settling
        }),
    }
}

/// How long each kind of wait may last. The outage budget counts attempts (a broken service
/// does not get better by waiting longer); the others are wall-clock budgets.
#[derive(Clone, Debug)]
pub struct Budgets {
    /// terraform-provider-aws waits 2 minutes for IAM changes to propagate
    /// (`PropagationTimeout`, internal/service/iam/wait.go, "derived from years of Terraform
    /// operational experience with all AWS APIs").
    pub propagation: Duration,
    /// Lambda's VPC network interfaces: "AWS Lambda service team confirms P99 deletion time of
    /// ~35 minutes", so terraform-provider-aws waits at least 45 (vpc_network_interface.go).
    pub release: Duration,
    pub throttle: Duration,
    pub settling: Duration,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            propagation: Duration::from_secs(120),
            release: Duration::from_secs(45 * 60),
            throttle: Duration::from_secs(5 * 60),
            settling: Duration::from_secs(10 * 60),
        }
    }
}

#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts after the first for an outage (5xx, no answer).
    pub retries: u32,
    pub base: Duration,
    pub cap: Duration,
    pub budgets: Budgets,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 8,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(10),
            budgets: Budgets::default(),
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

    fn budget(&self, p: Patience) -> Option<Duration> {
        match p {
            Patience::Outage => None,
            Patience::Throttle => Some(self.budgets.throttle),
            Patience::Propagation => Some(self.budgets.propagation),
            Patience::Release => Some(self.budgets.release),
            Patience::Settling => Some(self.budgets.settling),
        }
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

/// Runs `call` until it succeeds, fails for good, exhausts the budget of the kind of error it
/// keeps getting, or a stop is asked. Each kind keeps its own clock from its first error, so a
/// throttle does not eat the time an IAM role needs to propagate.
pub async fn with_retry<T, F, Fut>(
    policy: &RetryPolicy,
    label: &str,
    stop: &watch::Receiver<bool>,
    call: F,
) -> Result<T, CallError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CallError>>,
{
    retrying(policy, label, stop, false, call).await
}

/// `with_retry` for a create: NotFound there names an id just created that the service does
/// not see yet (EC2's "Eventual consistency in the Amazon EC2 API"; IAM's likewise), and is
/// waited for within the propagation budget.
pub async fn with_retry_creating<T, F, Fut>(
    policy: &RetryPolicy,
    label: &str,
    stop: &watch::Receiver<bool>,
    call: F,
) -> Result<T, CallError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CallError>>,
{
    retrying(policy, label, stop, true, call).await
}

async fn retrying<T, F, Fut>(
    policy: &RetryPolicy,
    label: &str,
    stop: &watch::Receiver<bool>,
    creating: bool,
    mut call: F,
) -> Result<T, CallError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CallError>>,
{
    let seed = seed(label);
    let mut outages = 0;
    let mut attempt = 0;
    let mut first_seen: Vec<(Patience, Instant)> = Vec::new();
    loop {
        let e = match call().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let Some(kind) = patience(&e, creating) else {
            return Err(e);
        };
        let since = match first_seen.iter().find(|(k, _)| *k == kind) {
            Some((_, t)) => *t,
            None => {
                first_seen.push((kind, Instant::now()));
                Instant::now()
            }
        };
        let within = match policy.budget(kind) {
            None => {
                outages += 1;
                outages <= policy.retries
            }
            Some(budget) => since.elapsed() < budget,
        };
        if !within || *stop.borrow() {
            return Err(e);
        }
        // Long waits poll at the cap; short ones back off from the base.
        let wait = policy.delay(attempt, seed);
        tracing::info!(child = label, attempt = attempt + 1, wait_ms = wait.as_millis() as u64, patience = ?kind, error = %e, "waiting out a transient AWS error");
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn transient() -> CallError {
        CallError::new("Op", "InternalError", "try again", ErrorClass::Transient)
    }

    #[test]
    fn delays_grow_but_stay_under_the_cap() {
        let p = RetryPolicy {
            retries: 10,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
            ..Default::default()
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
            ..Default::default()
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

    fn quick(budget_ms: u64) -> RetryPolicy {
        RetryPolicy {
            retries: 2,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(5),
            budgets: Budgets {
                propagation: Duration::from_millis(budget_ms),
                release: Duration::from_millis(budget_ms),
                throttle: Duration::from_millis(budget_ms),
                settling: Duration::from_millis(budget_ms),
            },
        }
    }

    /// Fails with `e` until `for_ms` have passed since the first call, then succeeds.
    async fn failing_for(
        policy: &RetryPolicy,
        creating: bool,
        e: CallError,
        for_ms: u64,
    ) -> (Result<u32, CallError>, u32) {
        let (_tx, stop) = watch::channel(false);
        let start = Instant::now();
        let calls = AtomicU32::new(0);
        let r = retrying(policy, "t", &stop, creating, || {
            let e = e.clone();
            let n = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if start.elapsed() < Duration::from_millis(for_ms) {
                    Err(e)
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        (r, calls.load(Ordering::SeqCst))
    }

    fn role_not_visible() -> CallError {
        CallError::new(
            "CreateDBInstance",
            "InvalidParameterValue",
            "IAM role ARN value is invalid or does not include the required permissions for: ENHANCED_MONITORING",
            ErrorClass::Transient,
        )
    }

    #[tokio::test]
    async fn propagation_is_waited_for_within_its_own_budget_not_the_outage_count() {
        // Far more attempts than `retries` (2) fit in the budget: propagation is timed.
        let (r, calls) = failing_for(&quick(400), false, role_not_visible(), 150).await;
        assert!(r.is_ok(), "{r:?}");
        assert!(calls > 3, "{calls} calls");
        let (r, _) = failing_for(&quick(100), false, role_not_visible(), 10_000).await;
        assert_eq!(r.unwrap_err().code, "InvalidParameterValue");
    }

    #[tokio::test]
    async fn not_found_is_waited_for_while_creating_only() {
        let not_found = CallError::new(
            "CreateRoute",
            "InvalidRouteTableID.NotFound",
            "The routeTable ID 'rtb-1' does not exist",
            ErrorClass::NotFound,
        );
        let (r, calls) = failing_for(&quick(400), true, not_found.clone(), 60).await;
        assert!(r.is_ok() && calls > 1, "{r:?} after {calls} calls");
        let (r, calls) = failing_for(&quick(400), false, not_found, 60).await;
        assert!(r.unwrap_err().is_not_found());
        assert_eq!(calls, 1, "outside a create NotFound means gone");
    }

    #[tokio::test]
    async fn throttling_does_not_use_up_the_outage_attempts() {
        let throttled = CallError::new(
            "PutRolePolicy",
            "Throttling",
            "Rate exceeded",
            ErrorClass::Transient,
        );
        let (r, calls) = failing_for(&quick(400), false, throttled, 100).await;
        assert!(r.is_ok());
        assert!(calls > 3, "{calls} calls, more than the 2 outage retries");
    }

    #[test]
    fn each_error_draws_on_the_budget_that_fits_it() {
        let e = |code: &str, msg: &str| CallError::new("Op", code, msg, ErrorClass::Transient);
        assert_eq!(
            patience(&e("RequestLimitExceeded", ""), false),
            Some(Patience::Throttle)
        );
        assert_eq!(
            patience(
                &e(
                    "DependencyViolation",
                    "resource sg-1 has a dependent object"
                ),
                false
            ),
            Some(Patience::Release)
        );
        assert_eq!(
            patience(&role_not_visible(), false),
            Some(Patience::Propagation)
        );
        assert_eq!(
            patience(
                &e(
                    "InvalidCloudWatchLogsRoleArnException",
                    "Access denied. Check the trust relationships for your role."
                ),
                false
            ),
            Some(Patience::Propagation)
        );
        assert_eq!(patience(&e("HTTP 503", ""), false), Some(Patience::Outage));
        assert_eq!(
            patience(&e("ConcurrentModificationException", ""), false),
            Some(Patience::Settling)
        );
        let denied = CallError::new("Op", "AccessDenied", "", ErrorClass::Permanent);
        assert_eq!(patience(&denied, true), None);
    }
}
