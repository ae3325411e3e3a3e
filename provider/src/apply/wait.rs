//! Waiting for AWS: polls a resource until it is ready or gone, within a budget, and stops at
//! once on a state that the resource does not leave by itself. Each type's states are a table
//! ([`States`]) taken from its service's API reference, the way the SDK's own waiters are built
//! from each service's model (acceptors for success, retry and failure).

use std::future::Future;
use std::time::{Duration, Instant};

use super::driver::{CallError, ErrorClass};

/// Polls `check` until it returns true (the child is usable, or gone). `check` fails for good
/// on a terminal state (the driver's table says which), with AWS's status in the error. A wait
/// that runs out of `limit` fails for good too: each wait is capped once, here, and the engine
/// does not start it over (a timeout repeated nine times was hours of an apply).
pub(crate) async fn wait_until<F, Fut>(
    what: &str,
    limit: Duration,
    mut check: F,
) -> Result<(), CallError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, CallError>>,
{
    let start = Instant::now();
    let mut pause = Duration::from_millis(250);
    loop {
        if check().await? {
            return Ok(());
        }
        if start.elapsed() > limit {
            return Err(CallError::new(
                "wait",
                "WaitTimeout",
                format!("{what}: not ready after {}s", limit.as_secs()),
                ErrorClass::Permanent,
            ));
        }
        tracing::info!(what, "waiting");
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(10));
    }
}

/// A resource that reached a state it does not leave by itself: the wait stops with AWS's
/// status instead of polling until its limit.
pub(crate) fn terminal(operation: &str, what: &str, status: &str) -> CallError {
    CallError::new(
        operation,
        "TerminalState",
        format!("{what} is `{status}`, a state it does not leave by itself"),
        ErrorClass::Permanent,
    )
}

/// A resource type's statuses as its API reference lists them: which mean usable, and which
/// it never leaves by itself. Any other status is in between, and the wait goes on.
pub(crate) struct States {
    pub ready: &'static [&'static str],
    pub terminal: &'static [&'static str],
}

/// What an absent resource means to a wait.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Absent {
    /// Not listed yet: reads are eventually consistent after a create.
    Pending,
    /// Gone: what a delete waits for.
    Done,
}

impl States {
    /// One poll's verdict on `status` (None: the resource is absent).
    pub(crate) fn judge(
        &self,
        operation: &str,
        what: &str,
        status: Option<&str>,
        absent: Absent,
    ) -> Result<bool, CallError> {
        match status {
            None => Ok(absent == Absent::Done),
            Some(s) if self.ready.iter().any(|r| r.eq_ignore_ascii_case(s)) => Ok(true),
            Some(s) if self.terminal.iter().any(|t| t.eq_ignore_ascii_case(s)) => {
                Err(terminal(operation, what, s))
            }
            Some(_) => Ok(false),
        }
    }
}

/// One poll's answer: the resource's status, and the reason AWS gives for it where it gives one
/// (a failed load balancer's or function's), which a terminal state's error carries.
pub(crate) struct Status {
    pub state: String,
    pub reason: Option<String>,
}

impl From<String> for Status {
    fn from(state: String) -> Status {
        Status {
            state,
            reason: None,
        }
    }
}

/// Polls `status` (the resource's status, None when it is absent) until `states` calls it
/// ready, or, with [`Absent::Done`], until it is gone.
pub(crate) async fn for_states<F, Fut, S>(
    operation: &str,
    what: &str,
    limit: Duration,
    states: &States,
    absent: Absent,
    mut status: F,
) -> Result<(), CallError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<S>, CallError>>,
    S: Into<Status>,
{
    wait_until(what, limit, || {
        let poll = status();
        async move {
            let polled: Option<Status> = poll.await?.map(Into::into);
            let state = polled.as_ref().map(|p| p.state.as_str());
            states
                .judge(operation, what, state, absent)
                .map_err(|mut e| {
                    if let Some(reason) = polled.and_then(|p| p.reason) {
                        e.message = format!("{}: {reason}", e.message);
                    }
                    e
                })
        }
    })
    .await
}

/// A `busy` test for [`while_busy`]: AWS answered one of `codes`.
pub(crate) fn codes<'a>(codes: &'a [&'a str]) -> impl Fn(&CallError) -> bool + 'a {
    move |e| codes.contains(&e.code.as_str())
}

/// Polls until `exists` answers false: what a delete waits for before what the resource used
/// can go too.
pub(crate) async fn until_gone<F, Fut>(
    what: &str,
    limit: Duration,
    mut exists: F,
) -> Result<(), CallError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, CallError>>,
{
    wait_until(what, limit, || {
        let poll = exists();
        async move { Ok(!poll.await?) }
    })
    .await
}

/// Repeats `call` while AWS refuses it as `busy` says: what a service answers while the resource
/// is still in use or changing (a group still attached, a cluster still modifying, a bucket
/// policy not yet seen).
pub(crate) async fn while_busy<F, Fut, T, B>(
    what: &str,
    limit: Duration,
    busy: B,
    mut call: F,
) -> Result<(), CallError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CallError>>,
    B: Fn(&CallError) -> bool,
{
    let busy = &busy;
    wait_until(what, limit, || {
        let attempt = call();
        async move {
            match attempt.await {
                Ok(_) => Ok(true),
                Err(e) if busy(&e) => {
                    tracing::info!(what, error = %e, "busy, trying again");
                    Ok(false)
                }
                Err(e) => Err(e),
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    const DB: States = States {
        ready: &["available"],
        terminal: &["failed", "incompatible-parameters"],
    };

    #[test]
    fn a_status_is_ready_in_between_or_terminal_by_the_table() {
        assert_eq!(
            DB.judge("Describe", "db", Some("available"), Absent::Pending),
            Ok(true)
        );
        assert_eq!(
            DB.judge("Describe", "db", Some("Available"), Absent::Pending),
            Ok(true)
        );
        assert_eq!(
            DB.judge("Describe", "db", Some("creating"), Absent::Pending),
            Ok(false)
        );
        let e = DB
            .judge("Describe", "db", Some("failed"), Absent::Pending)
            .unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.class),
            ("TerminalState", ErrorClass::Permanent)
        );
        assert!(e.message.contains("`failed`"), "{}", e.message);
    }

    #[test]
    fn absence_is_pending_after_a_create_and_done_after_a_delete() {
        assert_eq!(DB.judge("Describe", "db", None, Absent::Pending), Ok(false));
        assert_eq!(DB.judge("Describe", "db", None, Absent::Done), Ok(true));
    }

    #[tokio::test]
    async fn a_wait_polls_until_ready_and_a_terminal_state_stops_it_at_once() {
        let mut answers = vec![Some("creating"), None, Some("available")].into_iter();
        let polls = std::cell::Cell::new(0);
        for_states(
            "Describe",
            "db",
            Duration::from_secs(60),
            &DB,
            Absent::Pending,
            || {
                polls.set(polls.get() + 1);
                let a = answers.next().flatten().map(str::to_string);
                async move { Ok(a) }
            },
        )
        .await
        .unwrap();
        assert_eq!(polls.get(), 3);

        polls.set(0);
        let e = for_states(
            "Describe",
            "db",
            Duration::from_secs(60),
            &DB,
            Absent::Pending,
            || {
                polls.set(polls.get() + 1);
                async { Ok(Some("failed".to_string())) }
            },
        )
        .await
        .unwrap_err();
        assert_eq!((e.code.as_str(), polls.get()), ("TerminalState", 1));
    }

    #[tokio::test]
    async fn a_terminal_state_carries_the_reason_aws_gives() {
        let e = for_states(
            "Describe",
            "lb",
            Duration::from_secs(60),
            &DB,
            Absent::Pending,
            || async {
                Ok(Some(Status {
                    state: "failed".into(),
                    reason: Some("no capacity in eu-west-1a".into()),
                }))
            },
        )
        .await
        .unwrap_err();
        assert!(
            e.message
                .ends_with("does not leave by itself: no capacity in eu-west-1a"),
            "{}",
            e.message
        );
    }

    #[tokio::test]
    async fn a_busy_call_is_repeated_and_another_error_stops_it() {
        let tries = std::cell::Cell::new(0);
        while_busy("group", Duration::from_secs(60), codes(&["InUse"]), || {
            tries.set(tries.get() + 1);
            let answer = if tries.get() < 2 {
                Err(CallError::new("Delete", "InUse", "", ErrorClass::Permanent))
            } else {
                Ok(())
            };
            async move { answer }
        })
        .await
        .unwrap();
        assert_eq!(tries.get(), 2);
        let e = while_busy(
            "group",
            Duration::from_secs(60),
            codes(&["InUse"]),
            || async {
                Err::<(), _>(CallError::new(
                    "Delete",
                    "AccessDenied",
                    "",
                    ErrorClass::Permanent,
                ))
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, "AccessDenied");
    }

    #[tokio::test]
    async fn a_wait_for_gone_ends_when_the_resource_is_absent() {
        let mut answers = vec![true, false].into_iter();
        until_gone("db", Duration::from_secs(60), || {
            let exists = answers.next().unwrap();
            async move { Ok(exists) }
        })
        .await
        .unwrap();
        assert!(answers.next().is_none());
    }

    #[tokio::test]
    async fn a_wait_that_runs_out_fails_for_good() {
        let e = for_states(
            "Describe",
            "db",
            Duration::ZERO,
            &DB,
            Absent::Pending,
            || async { Ok(Some("creating".to_string())) },
        )
        .await
        .unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.class),
            ("WaitTimeout", ErrorClass::Permanent)
        );
    }
}
