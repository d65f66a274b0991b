//! W1 AsyncIterator, Rust side: the interface (`trait AsyncIterator { async fn next(&mut
//! self) -> Option<i32>; }` made `dyn`-callable by a strategy), the counter implementations
//! written once and generic over the strategy, the limits (`sync_dyn`, `poll_next`), and
//! the caller's loops. The counterpart of workloads/async_iterator/async_iterator.hpp and
//! counter.cpp.
//!
//! The opaque boundary: the implementations are private to this crate, and every
//! constructor is a non-generic `#[inline(never)]` function compiled here (the
//! [`Counters`] impls below, one per strategy of `for_each_strategy!`) returning
//! `Box<dyn …>`. The benchmark crate sees only the trait object; without LTO the compiler
//! cannot devirtualize `next()` or remove the future's allocation (the allocation counts
//! in tests/ prove it).

use std::future::poll_fn;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use testbed_harness::executor::YieldOnce;
use testbed_strategies::Strategy;

/// `trait AsyncIterator { async fn next(&mut self) -> Option<i32>; }` through `dyn`, with
/// the strategy S chosen where the interface is used: `dyn AsyncIterator<Boxed>`,
/// `dyn AsyncIterator<CalleeCache<Local>>`. `storage` is the caller's storage for the
/// strategy (a zero-sized `()` for strategies that need none): the "scratch space" ABI
/// extension, as in the C++ interface.
pub trait AsyncIterator<S: Strategy> {
    fn next<'a>(&'a mut self, storage: Pin<&'a mut S::CallerStorage>)
    -> S::Handle<'a, Option<i32>>;
}

/// The limit: the same counter behind a synchronous call through `dyn`.
pub trait SyncIterator {
    fn next(&mut self) -> Option<i32>;
}

/// The Stream shape: the object is the state machine, no future per call.
pub trait PollIterator {
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<i32>>;
}

/// The counter's logic, shared by every row so they differ only in how `next()` is
/// called: 0, 1, ..., items-1, then None, then from 0 again.
#[derive(Debug)]
struct CounterState {
    items: i32,
    next: i32,
}

impl CounterState {
    fn new(items: i32) -> Self {
        CounterState { items, next: 0 }
    }

    #[inline(always)]
    fn advance(&mut self) -> Option<i32> {
        if self.next < self.items {
            self.next += 1;
            Some(self.next - 1)
        } else {
            self.next = 0;
            None
        }
    }
}

/// The counter, for strategy S. `object` comes first so it is dropped first: a future
/// left in it (a leaked handle) borrows `state`.
struct Counter<S: Strategy> {
    object: S::ObjectState,
    state: CounterState,
}

/// Pins the strategy's state inside an object that lives in the Box its constructor
/// returned.
///
/// # Safety
/// `object` belongs to a value created only by this crate's constructors, inside the
/// `Box<dyn …>` they return: safe code cannot move a value out of a `dyn` box, so it
/// never moves before it is dropped.
unsafe fn pinned_in_box<T>(object: &T) -> Pin<&T> {
    // SAFETY: the caller's guarantee.
    unsafe { Pin::new_unchecked(object) }
}

impl<S: Strategy> AsyncIterator<S> for Counter<S> {
    fn next<'a>(
        &'a mut self,
        storage: Pin<&'a mut S::CallerStorage>,
    ) -> S::Handle<'a, Option<i32>> {
        // SAFETY: a Counter exists only inside the box make_counter returns.
        let object = unsafe { pinned_in_box(&self.object) };
        let state = &mut self.state;
        // The body of `async fn next(&mut self) -> Option<i32>`, written once.
        S::place(object, storage, async move { state.advance() })
    }
}

struct SuspendingState {
    state: CounterState,
    every: i32,
    calls: i32,
}

/// The same counter, but every `every`-th call really suspends once (it yields to the
/// executor, `block_on`, before returning its item).
struct SuspendingCounter<S: Strategy> {
    object: S::ObjectState,
    inner: SuspendingState,
}

impl<S: Strategy> AsyncIterator<S> for SuspendingCounter<S> {
    fn next<'a>(
        &'a mut self,
        storage: Pin<&'a mut S::CallerStorage>,
    ) -> S::Handle<'a, Option<i32>> {
        // SAFETY: a SuspendingCounter exists only inside the box its constructor returns.
        let object = unsafe { pinned_in_box(&self.object) };
        let this = &mut self.inner;
        S::place(object, storage, async move {
            this.calls += 1;
            if this.calls % this.every == 0 {
                YieldOnce::new().await;
            }
            this.state.advance()
        })
    }
}

/// The counters' constructors for strategy S, compiled in this crate (see the crate
/// comment): implemented for every strategy of `testbed_strategies::for_each_strategy!`.
pub trait Counters: Strategy {
    /// A counter over 0, 1, ..., items-1; after the end (None) it starts again.
    fn make_counter(items: i32) -> Box<dyn AsyncIterator<Self>>;
    /// The same counter, suspending once every `every`-th call.
    fn make_suspending_counter(items: i32, every: i32) -> Box<dyn AsyncIterator<Self>>;
}

macro_rules! instantiate_counters {
    ($s:ty) => {
        impl Counters for $s {
            #[inline(never)]
            fn make_counter(items: i32) -> Box<dyn AsyncIterator<Self>> {
                Box::new(Counter::<Self> {
                    object: Default::default(),
                    state: CounterState::new(items),
                })
            }

            #[inline(never)]
            fn make_suspending_counter(items: i32, every: i32) -> Box<dyn AsyncIterator<Self>> {
                assert!(every > 0, "every must be positive");
                Box::new(SuspendingCounter::<Self> {
                    object: Default::default(),
                    inner: SuspendingState {
                        state: CounterState::new(items),
                        every,
                        calls: 0,
                    },
                })
            }
        }
    };
}

testbed_strategies::for_each_strategy!(instantiate_counters);

struct SyncCounter(CounterState);

impl SyncIterator for SyncCounter {
    fn next(&mut self) -> Option<i32> {
        self.0.advance()
    }
}

/// The synchronous counter (row `sync_dyn`).
#[inline(never)]
pub fn make_sync_counter(items: i32) -> Box<dyn SyncIterator> {
    Box::new(SyncCounter(CounterState::new(items)))
}

struct PollCounter {
    state: CounterState,
    every: i32,
    polls: i32,
}

impl PollIterator for PollCounter {
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<i32>> {
        let this = self.get_mut();
        if this.every > 0 {
            this.polls += 1;
            if this.polls % this.every == 0 {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
        }
        Poll::Ready(this.state.advance())
    }
}

/// The poll-style counter (row `poll_next`): every `every`-th poll is pending (0: never),
/// and the next poll returns the item it held back.
#[inline(never)]
pub fn make_poll_counter(items: i32, every: i32) -> Pin<Box<dyn PollIterator>> {
    Box::pin(PollCounter {
        state: CounterState::new(items),
        every,
        polls: 0,
    })
}

/// The caller's loop, written once: passes over the iterator while `more()` says so,
/// returning the sum of every item seen. The caller's storage for the strategy is a local
/// of this future, pinned in it (it lives in the caller's own state machine).
pub async fn sum_passes<S: Strategy>(
    it: &mut dyn AsyncIterator<S>,
    mut more: impl FnMut() -> bool,
) -> i64 {
    let mut storage = pin!(S::CallerStorage::default());
    let mut sum = 0i64;
    while more() {
        while let Some(x) = it.next(storage.as_mut()).await {
            sum += i64::from(x);
        }
    }
    sum
}

/// The synchronous loop.
pub fn sum_passes_sync(it: &mut dyn SyncIterator, mut more: impl FnMut() -> bool) -> i64 {
    let mut sum = 0i64;
    while more() {
        while let Some(x) = it.next() {
            sum += i64::from(x);
        }
    }
    sum
}

/// The loop over a poll-style iterator: on Pending it returns to `block_on`, which polls
/// the root again (the executor round trip of a suspending callee).
pub async fn sum_passes_poll(
    mut it: Pin<&mut dyn PollIterator>,
    mut more: impl FnMut() -> bool,
) -> i64 {
    let mut sum = 0i64;
    while more() {
        while let Some(x) = poll_fn(|cx| it.as_mut().poll_next(cx)).await {
            sum += i64::from(x);
        }
    }
    sum
}
