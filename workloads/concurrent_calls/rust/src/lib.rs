//! W3 concurrent calls, Rust side: `trait Lookup { async fn get(&self, key: i32) -> i32; }`
//! made `dyn`-callable by a strategy (the counterpart of workloads/concurrent_calls/
//! lookup.hpp and lookup_table.cpp), the table written once and generic over the strategy,
//! a fixed batch of outstanding futures polled where they lie ([`Batch`]), and W3's caller:
//! rounds of `width` calls outstanding together on one `&self`, each with its own caller
//! storage. W5 (workloads/escaping_futures/rust) uses the same interface and batch, as the
//! C++ W5 uses lookup.hpp.
//!
//! The opaque boundary, as W1: the table is private to this crate and its constructor a
//! non-generic `#[inline(never)]` function (`Lookups::make_lookup_table`) returning
//! `Box<dyn Lookup<S>>`; no LTO.

use std::future::{Future, poll_fn};
use std::marker::PhantomPinned;
use std::mem::MaybeUninit;
use std::pin::{Pin, pin};
use std::task::Poll;
use testbed_harness::capabilities::WorkloadNeeds;
use testbed_harness::executor::YieldOnce;
use testbed_strategies::Strategy;

/// `async fn get(&self, key: i32) -> i32` through `dyn`: several calls may be outstanding
/// on one object (`&self`), each with its own caller storage.
pub trait Lookup<S: Strategy> {
    fn get<'a>(&'a self, storage: Pin<&'a mut S::CallerStorage>, key: i32) -> S::Handle<'a, i32>;
}

/// The value of key k.
pub const fn lookup_value(key: i32) -> i32 {
    3 * key + 1
}

/// The most calls a round (or a batch) keeps outstanding (C++ `when_all_max`).
pub const MAX_OUTSTANDING: usize = 16;

struct Table<S: Strategy> {
    object: S::ObjectState,
    values: Vec<i32>,
    suspend: bool,
}

impl<S: Strategy> Lookup<S> for Table<S> {
    fn get<'a>(&'a self, storage: Pin<&'a mut S::CallerStorage>, key: i32) -> S::Handle<'a, i32> {
        // SAFETY: a Table exists only inside the Box its constructor returns, which safe
        // code cannot move it out of: its state never moves before it is dropped.
        let object = unsafe { Pin::new_unchecked(&self.object) };
        let values = &self.values;
        let suspend = self.suspend;
        S::place(object, storage, async move {
            if suspend {
                // A lookup that waits for I/O: back to the executor once.
                YieldOnce::new().await;
            }
            values[key as usize % values.len()]
        })
    }
}

/// The table's constructor for strategy S, compiled in this crate.
pub trait Lookups: Strategy {
    /// A table of `size` entries (key k: `lookup_value(k)`); with `suspend`, every get()
    /// suspends once before answering, without it completes at its first poll.
    fn make_lookup_table(size: i32, suspend: bool) -> Box<dyn Lookup<Self>>;
}

macro_rules! instantiate_lookups {
    ($s:ty) => {
        impl Lookups for $s {
            #[inline(never)]
            fn make_lookup_table(size: i32, suspend: bool) -> Box<dyn Lookup<Self>> {
                Box::new(Table::<Self> {
                    object: Default::default(),
                    values: (0..size).map(lookup_value).collect(),
                    suspend,
                })
            }
        }
    };
}

testbed_strategies::for_each_strategy!(instantiate_lookups);

/// In which order a round's (or a batch's) finished futures are dropped: the order in which
/// the strategy gets their memory back (C++ `release_order`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReleaseOrder {
    /// Front to back, oldest first (`Vec::clear`): not LIFO.
    Creation,
    /// Newest first: the reverse of creation (LIFO).
    NewestFirst,
}

/// Up to CAP futures kept where they were written (in the caller's own future, no heap),
/// polled in place and dropped in place in a chosen order: the `std::vector<task>` of the
/// C++ callers. Pinned (`pin!`) before use: its futures may be `!Unpin`.
pub struct Batch<H, const CAP: usize> {
    items: [MaybeUninit<H>; CAP],
    done: [bool; CAP],
    /// items[start..len] are live.
    start: usize,
    len: usize,
    _pinned: PhantomPinned,
}

impl<H: Future, const CAP: usize> Default for Batch<H, CAP> {
    fn default() -> Self {
        Self::new()
    }
}

impl<H: Future, const CAP: usize> Batch<H, CAP> {
    pub fn new() -> Self {
        Batch {
            items: [const { MaybeUninit::uninit() }; CAP],
            done: [false; CAP],
            start: 0,
            len: 0,
            _pinned: PhantomPinned,
        }
    }

    /// Stores a future (the batch must have been released, or be fresh, to reuse slots).
    #[inline(always)]
    pub fn push(self: Pin<&mut Self>, future: H) {
        // SAFETY: no item moves: the new one is written into an empty slot.
        let this = unsafe { self.get_unchecked_mut() };
        assert!(this.start == 0 && this.len < CAP, "Batch: full, or not released");
        this.items[this.len].write(future);
        this.done[this.len] = false;
        this.len += 1;
    }

    /// The i-th future, pinned where it lies.
    #[inline(always)]
    pub fn get(self: Pin<&mut Self>, i: usize) -> Pin<&mut H> {
        // SAFETY: items are structurally pinned (never moved until dropped in place); i is
        // a live item (checked).
        unsafe {
            let this = self.get_unchecked_mut();
            assert!(this.start <= i && i < this.len, "Batch: no live future {i}");
            this.done[i] = true;
            Pin::new_unchecked(this.items[i].assume_init_mut())
        }
    }

    /// Polls every live, unfinished future until all are ready (C++ `when_all`), and sums
    /// their outputs. A finished future is never polled again.
    pub async fn join_sum(mut self: Pin<&mut Self>) -> i64
    where
        H: Future<Output = i32>,
    {
        let mut sum = 0i64;
        poll_fn(|cx| {
            // SAFETY: as `get`: items stay where they are.
            let this = unsafe { self.as_mut().get_unchecked_mut() };
            let mut pending = false;
            for i in this.start..this.len {
                if this.done[i] {
                    continue;
                }
                // SAFETY: a live item, pinned where it lies.
                let item = unsafe { Pin::new_unchecked(this.items[i].assume_init_mut()) };
                match item.poll(cx) {
                    Poll::Ready(v) => {
                        this.done[i] = true;
                        sum += i64::from(v);
                    }
                    Poll::Pending => pending = true,
                }
            }
            if pending { Poll::Pending } else { Poll::Ready(()) }
        })
        .await;
        sum
    }

    /// Drops every live future in place, in `order`.
    pub fn release(self: Pin<&mut Self>, order: ReleaseOrder) {
        // SAFETY: items are dropped in place, never moved.
        let this = unsafe { self.get_unchecked_mut() };
        match order {
            ReleaseOrder::Creation => {
                while this.start < this.len {
                    let i = this.start;
                    // Advanced first: if the drop panics (a strategy refusing the order),
                    // the item is not dropped again.
                    this.start += 1;
                    // SAFETY: a live item, dropped once.
                    unsafe { this.items[i].assume_init_drop() };
                }
            }
            ReleaseOrder::NewestFirst => this.drop_newest_first(),
        }
        this.start = 0;
        this.len = 0;
    }

    fn drop_newest_first(&mut self) {
        while self.len > self.start {
            self.len -= 1;
            // SAFETY: a live item, dropped once (len moved below it first).
            unsafe { self.items[self.len].assume_init_drop() };
        }
    }
}

impl<H, const CAP: usize> Drop for Batch<H, CAP> {
    fn drop(&mut self) {
        // What was not released (a panic in a loop): newest first, the order every
        // strategy accepts (a side stack whose release refused an older future still has
        // the newer ones on top).
        while self.len > self.start {
            self.len -= 1;
            // SAFETY: a live item, dropped once.
            unsafe { self.items[self.len].assume_init_drop() };
        }
    }
}

/// The caller storages of up to MAX_OUTSTANDING calls, pinned in the caller's future;
/// `each` gives them out one by one for a round.
pub fn each_storage<T>(storages: Pin<&mut [T]>) -> impl Iterator<Item = Pin<&mut T>> {
    // SAFETY: the elements are structurally pinned: each is handed out pinned, none is
    // moved.
    unsafe { storages.get_unchecked_mut() }
        .iter_mut()
        .map(|s| unsafe { Pin::new_unchecked(s) })
}

/// W3's caller: rounds of `width` lookups outstanding together on one object, each with
/// its own caller storage, awaited together (`join_sum`), then dropped in `order`. Returns
/// the sum of every value. Every call suspends once (a table made with `suspend`): the
/// round returns to the executor once and the calls complete in creation order.
pub async fn concurrent_rounds<S: Strategy>(
    table: &dyn Lookup<S>,
    width: usize,
    mut more: impl FnMut() -> bool,
    order: ReleaseOrder,
) -> i64 {
    assert!(width >= 1 && width <= MAX_OUTSTANDING, "width 1 to {MAX_OUTSTANDING}");
    let mut storages = pin!(std::array::from_fn::<S::CallerStorage, MAX_OUTSTANDING, _>(|_| {
        S::CallerStorage::default()
    }));
    let mut sum = 0i64;
    let mut key = 0i32;
    while more() {
        let mut calls = pin!(Batch::<S::Handle<'_, i32>, MAX_OUTSTANDING>::new());
        let mut storage = each_storage::<S::CallerStorage>(storages.as_mut());
        for _ in 0..width {
            let s = storage.next().expect("a storage per outstanding call");
            calls.as_mut().push(table.get(s, key % 1024));
            key += 1;
        }
        sum += calls.as_mut().join_sum().await;
        calls.as_mut().release(order);
    }
    sum
}

/// Concurrent calls on one object: `width` outstanding on it, one per storage; frames die
/// out of creation order when released oldest first with more than one outstanding.
pub const fn concurrent_needs(width: i32, order: ReleaseOrder) -> WorkloadNeeds {
    WorkloadNeeds {
        calls_per_object: width,
        non_lifo_release: width > 1 && matches!(order, ReleaseOrder::Creation),
        ..WorkloadNeeds::NONE
    }
}
