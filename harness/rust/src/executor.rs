//! The smallest executor a workload needs: a no-op waker, a poll loop (`block_on`) that
//! polls the root future until it is ready, and a future that suspends once. A callee
//! that returns `Pending` goes back through every level of the caller's state machine to
//! `block_on`, which polls the root again: Rust's executor round trip, the counterpart of
//! C++'s `co_await executor.schedule()` and the run loop resuming the coroutine.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// A waker that does nothing (`block_on` polls again anyway).
#[inline]
pub fn noop_waker() -> &'static Waker {
    Waker::noop()
}

/// Polls `future` on this thread until it is ready. The future is pinned on this stack
/// frame: no allocation.
#[inline]
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(noop_waker());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}

/// Suspends once: the first poll wakes the task and returns `Pending`, the second is
/// ready. What a callee awaits to really suspend (the suspending W1 counter).
#[derive(Debug, Default)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldOnce {
    yielded: bool,
}

impl YieldOnce {
    pub fn new() -> Self {
        Self { yielded: false }
    }
}

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            Poll::Ready(())
        } else {
            self.yielded = true;
            // The contract of Pending: whoever returns it arranges to be polled again.
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// A countdown for a benchmark loop, `state.KeepRunning()`'s counterpart: true `n` times,
/// then false.
#[inline]
pub fn passes(n: u64) -> impl FnMut() -> bool {
    let mut left = n;
    move || {
        if left == 0 {
            false
        } else {
            left -= 1;
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_drives_a_yielding_future() {
        let value = block_on(async {
            YieldOnce::new().await;
            YieldOnce::new().await;
            42
        });
        assert_eq!(value, 42);
    }

    #[test]
    fn passes_counts_down() {
        let mut more = passes(3);
        assert_eq!((more(), more(), more(), more()), (true, true, true, false));
    }
}
