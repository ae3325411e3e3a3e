//! Runs tasks over a dependency graph: a node starts when everything it depends on is done, at
//! most `limit` at once. A failed node stops new starts (the running ones finish); a node that
//! was skipped or failed blocks its dependents. Knows nothing of AWS.

use std::collections::VecDeque;
use std::future::Future;

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::driver::CallError;

/// What a task reports.
#[derive(Debug)]
pub enum Ran {
    Done,
    /// Nothing could be done for this node (the reason is shown to the user).
    Skipped(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Done,
    Skipped(String),
    Failed(CallError),
    /// Depends on a node that was skipped or failed.
    Blocked(String),
    /// Not started: an earlier failure or a stop request ended the run first.
    NotStarted,
}

/// `deps[i]`: indexes of the nodes node `i` waits for.
pub async fn run<F, Fut>(
    deps: &[Vec<usize>],
    names: &[String],
    limit: usize,
    stop: &watch::Receiver<bool>,
    task: F,
) -> Vec<Status>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<Ran, CallError>> + Send + 'static,
{
    let n = deps.len();
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            dependents[d].push(i);
        }
    }
    let mut status: Vec<Option<Status>> = vec![None; n];
    let mut ready: VecDeque<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
    let mut running: JoinSet<(usize, Result<Ran, CallError>)> = JoinSet::new();
    let mut halted = false;
    let limit = limit.max(1);

    loop {
        while !halted && running.len() < limit {
            if *stop.borrow() {
                halted = true;
                break;
            }
            let Some(i) = ready.pop_front() else { break };
            if status[i].is_some() {
                continue;
            }
            let fut = task(i);
            running.spawn(async move { (i, fut.await) });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (i, result) = match joined {
            Ok(x) => x,
            Err(e) => {
                // A panicking task is a bug; the run fails closed like for any other failure.
                halted = true;
                tracing::error!(error = %e, "an apply task panicked");
                continue;
            }
        };
        let s = match result {
            Ok(Ran::Done) => Status::Done,
            Ok(Ran::Skipped(why)) => Status::Skipped(why),
            Err(e) => {
                halted = true;
                Status::Failed(e)
            }
        };
        if s == Status::Done {
            for &d in &dependents[i] {
                waiting[d] -= 1;
                if waiting[d] == 0 && status[d].is_none() {
                    ready.push_back(d);
                }
            }
        } else {
            // Everything downstream of a node that did not finish cannot run.
            let mut stack = dependents[i].clone();
            while let Some(d) = stack.pop() {
                if status[d].is_none() {
                    status[d] = Some(Status::Blocked(format!("waits for {}", names[i])));
                    stack.extend(dependents[d].iter().copied());
                }
            }
        }
        status[i] = Some(s);
    }
    status
        .into_iter()
        .map(|s| s.unwrap_or(Status::NotStarted))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use crate::apply::driver::ErrorClass;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("n{i}")).collect()
    }

    #[tokio::test]
    async fn dependents_start_after_their_dependencies_and_concurrency_is_bounded() {
        // A diamond with a wide middle: 0 -> 1..=6 -> 7
        let mut deps = vec![vec![]];
        for _ in 1..=6 {
            deps.push(vec![0]);
        }
        deps.push((1..=6).collect());
        let order = Arc::new(Mutex::new(Vec::new()));
        let live = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (_tx, stop) = watch::channel(false);
        let st = run(&deps, &names(8), 3, &stop, |i| {
            let (order, live, peak) = (order.clone(), live.clone(), peak.clone());
            async move {
                let now = live.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(10)).await;
                order.lock().unwrap().push(i);
                live.fetch_sub(1, Ordering::SeqCst);
                Ok(Ran::Done)
            }
        })
        .await;
        assert!(st.iter().all(|s| *s == Status::Done));
        let order = order.lock().unwrap().clone();
        assert_eq!(order.first(), Some(&0));
        assert_eq!(order.last(), Some(&7));
        assert_eq!(peak.load(Ordering::SeqCst), 3, "three at once, never more");
    }

    #[tokio::test]
    async fn a_failure_stops_new_starts_lets_running_ones_finish_and_blocks_dependents() {
        // 0 fails fast; 1 is slow and independent; 2 depends on 0; 3 is independent but queued.
        let deps = vec![vec![], vec![], vec![0], vec![]];
        let (_tx, stop) = watch::channel(false);
        let st = run(&deps, &names(4), 2, &stop, |i| async move {
            match i {
                0 => Err(CallError::new(
                    "Create",
                    "Boom",
                    "no",
                    ErrorClass::Permanent,
                )),
                1 => {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    Ok(Ran::Done)
                }
                _ => Ok(Ran::Done),
            }
        })
        .await;
        assert!(matches!(st[0], Status::Failed(_)));
        assert_eq!(st[1], Status::Done, "the running child finished");
        assert_eq!(st[2], Status::Blocked("waits for n0".into()));
        assert_eq!(st[3], Status::NotStarted);
    }

    #[tokio::test]
    async fn a_stop_request_ends_the_run_before_new_starts() {
        let deps = vec![vec![], vec![0], vec![1]];
        let (tx, stop) = watch::channel(false);
        let tx = Arc::new(tx);
        let st = run(&deps, &names(3), 4, &stop, |i| {
            let tx = tx.clone();
            async move {
                if i == 0 {
                    tx.send(true).unwrap();
                }
                Ok(Ran::Done)
            }
        })
        .await;
        assert_eq!(
            st,
            vec![Status::Done, Status::NotStarted, Status::NotStarted]
        );
    }

    #[tokio::test]
    async fn skipped_nodes_block_what_depends_on_them() {
        let deps = vec![vec![], vec![0], vec![1], vec![]];
        let (_tx, stop) = watch::channel(false);
        let st = run(&deps, &names(4), 2, &stop, |i| async move {
            if i == 0 {
                Ok(Ran::Skipped("unsupported".into()))
            } else {
                Ok(Ran::Done)
            }
        })
        .await;
        assert_eq!(st[0], Status::Skipped("unsupported".into()));
        assert_eq!(st[1], Status::Blocked("waits for n0".into()));
        assert_eq!(st[2], Status::Blocked("waits for n0".into()));
        assert_eq!(st[3], Status::Done);
    }
}
