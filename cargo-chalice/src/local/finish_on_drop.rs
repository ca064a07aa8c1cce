//! A future that runs to completion even when whoever awaits it goes away.
//!
//! On Lambda a client hanging up does not stop the invocation its request
//! started: the function finishes, and the instance takes the next event.
//! The gateway awaits each invocation in the connection's own task (a task
//! spawned per request cost a scheduling round and a wake-up per request);
//! when hyper drops that task's future because the client left,
//! [`FinishOnDrop`] hands the invocation to a task of its own, which
//! finishes it and returns the instance to its pool.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Polls `F` in place; dropped before `F` completes, spawns `F` on the
/// current tokio runtime to finish (its output then dropped).
pub struct FinishOnDrop<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    /// The future until it completes.
    inner: Option<Pin<Box<F>>>,
}

impl<F> FinishOnDrop<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    /// Wraps `future`.
    pub fn new(future: F) -> Self {
        Self {
            inner: Some(Box::pin(future)),
        }
    }
}

impl<F> Future for FinishOnDrop<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let Some(inner) = self.inner.as_mut() else {
            // Polled after completion: never resolves again, as a fused future.
            return Poll::Pending;
        };
        let output = std::task::ready!(inner.as_mut().poll(cx));
        self.inner = None;
        Poll::Ready(output)
    }
}

impl<F> Drop for FinishOnDrop<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            // Outside a runtime (it is shutting down) there is nothing to finish on.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(inner);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn a_completed_future_gives_its_output() {
        assert_eq!(FinishOnDrop::new(async { 7 }).await, 7);
    }

    #[tokio::test]
    async fn a_dropped_future_finishes_on_its_own_task() {
        let finished = Arc::new(AtomicBool::new(false));
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let flag = finished.clone();
        let future = FinishOnDrop::new(async move {
            let _ = started_tx.send(());
            tokio::time::sleep(Duration::from_millis(20)).await;
            flag.store(true, Ordering::SeqCst);
        });
        // Started, then abandoned, as hyper drops a request's future when its client leaves.
        let waiting = tokio::spawn(future);
        started_rx.await.expect("the future started");
        waiting.abort();
        assert!(!finished.load(Ordering::SeqCst));
        for _ in 0..100 {
            if finished.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the abandoned future did not finish");
    }
}
