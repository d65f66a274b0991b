//! W4 recursion through `dyn`, Rust side (the counterpart of workloads/recursion/
//! recursion.hpp, recursion_impl.cpp and sync_overflow.cpp): a chain of objects whose
//! `async fn sum(&self) -> i64` awaits the next object's through the interface, fib
//! recursing on one object, the same chain written synchronously, and the native stack's
//! measurements.
//!
//! **The native stack in Rust.** A Rust future polls the future it awaits: a recursion of
//! N levels through `.await` is N nested `poll` calls on the native stack, whichever
//! strategy holds the futures' memory (there is no symmetric transfer, which keeps the C++
//! chain's native stack flat). Only a strategy that moves the polling off the native stack
//! reaches any depth: the side stack's trampoline (strategies/rust/src/side_stack.rs, as
//! vuot). [`poll_stack_per_level`] measures what one level takes, and the bench refuses the
//! depths whose nested polls would not fit the stack the cell runs on.
//!
//! The opaque boundary, as W1: the implementations are private to this crate and every
//! constructor a non-generic `#[inline(never)]` function compiled here (`Recursions`);
//! no LTO.

use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::ptr::NonNull;
use std::task::{Context, Poll};
use testbed_harness::capabilities::WorkloadNeeds;
use testbed_harness::executor::block_on;
use testbed_harness::{passes, sys};
use testbed_strategies::Strategy;

/// A node of the chain: `sum()` is its value plus the sum of the nodes below it; each
/// level keeps the caller storage for the next level's call in its own future.
pub trait ChainNode<S: Strategy> {
    fn sum<'a>(&'a self, storage: Pin<&'a mut S::CallerStorage>) -> S::Handle<'a, i64>;
}

/// fib(n) through the interface, recursing on the same object: n levels deep.
pub trait FibService<S: Strategy> {
    fn fib<'a>(&'a self, storage: Pin<&'a mut S::CallerStorage>, n: i32) -> S::Handle<'a, i64>;
}

/// The synchronous chain: the same shape, plain calls through `dyn` on the native stack.
pub trait SyncChainNode {
    fn sum(&self) -> i64;
}

/// A chain of nodes, owned in one vector (dropped without recursion); `head()` is the top.
pub struct Chain<N: ?Sized> {
    nodes: Vec<Box<N>>,
}

impl<N: ?Sized> Chain<N> {
    pub fn head(&self) -> &N {
        self.nodes.last().expect("a chain has at least one node")
    }
    pub fn depth(&self) -> usize {
        self.nodes.len()
    }
}

/// Builds a chain of `depth` nodes from the bottom up (node i has value i + 1; the head
/// is node 0): `make(value, next)` makes a node pointing to the one below.
fn build_chain<N: ?Sized>(depth: usize, make: impl Fn(i64, Option<NonNull<N>>) -> Box<N>) -> Chain<N> {
    assert!(depth >= 1, "a chain has at least one node");
    let mut nodes: Vec<Box<N>> = Vec::with_capacity(depth);
    let mut next: Option<NonNull<N>> = None;
    for i in (0..depth).rev() {
        let node = make(i as i64 + 1, next);
        // The box's address is stable while the vector owns it.
        next = Some(NonNull::from(&*node));
        nodes.push(node);
    }
    Chain { nodes }
}

pub const fn chain_sum(depth: i64) -> i64 {
    depth * (depth + 1) / 2
}

/// Calls fib(n) makes through the interface, itself included.
pub const fn fib_calls(n: i32) -> i64 {
    if n < 2 { 1 } else { 1 + fib_calls(n - 1) + fib_calls(n - 2) }
}

pub const fn fib_value(n: i32) -> i64 {
    if n < 2 { n as i64 } else { fib_value(n - 1) + fib_value(n - 2) }
}

/// A recursion level's future, declared `Send` for `Strategy::place`.
///
/// It holds the next level's caller storage and handle, which are `!Send` for every row
/// but the Sendable forms (box's `Pin<Box<dyn Future>>`, stack_future, in_place, the side
/// stack and the Local forms), and a reference to the next node. SAFETY argument: the
/// future is only reachable through the handle `place` returns, which is `!Send` for
/// exactly those rows (strategies/rust/src/forms.rs and the handles' types), so it never
/// leaves its thread; for the Sendable forms every part of it is thread-safe (atomic
/// words, immutable values) except that the compiler cannot see that the next node is
/// `Sync` through `&dyn`.
struct Level<F>(F);

// SAFETY: see `Level`.
unsafe impl<F> Send for Level<F> {}

impl<F: Future> Future for Level<F> {
    type Output = F::Output;
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: structural pinning of the only field.
        unsafe { self.map_unchecked_mut(|l| &mut l.0) }.poll(cx)
    }
}

/// # Safety
/// `object` is inside a value that lives in the Box its constructor returned, which
/// safe code cannot move it out of.
unsafe fn pinned<T>(object: &T) -> Pin<&T> {
    // SAFETY: the caller's guarantee.
    unsafe { Pin::new_unchecked(object) }
}

struct Node<S: Strategy> {
    object: S::ObjectState,
    value: i64,
    next: Option<NonNull<dyn ChainNode<S>>>,
}

impl<S: Strategy> ChainNode<S> for Node<S> {
    fn sum<'a>(&'a self, storage: Pin<&'a mut S::CallerStorage>) -> S::Handle<'a, i64> {
        // SAFETY: a Node exists only inside a Box of its chain.
        let object = unsafe { pinned(&self.object) };
        let value = self.value;
        // SAFETY: the next node is owned by the same chain, which outlives &self.
        let next: Option<&'a dyn ChainNode<S>> = self.next.map(|p| unsafe { &*p.as_ptr() });
        S::place(object, storage, Level(async move {
            match next {
                None => value,
                Some(next) => {
                    let mut storage = pin!(S::CallerStorage::default());
                    value + next.sum(storage.as_mut()).await
                }
            }
        }))
    }
}

struct Fib<S: Strategy> {
    object: S::ObjectState,
}

impl<S: Strategy> FibService<S> for Fib<S> {
    fn fib<'a>(&'a self, storage: Pin<&'a mut S::CallerStorage>, n: i32) -> S::Handle<'a, i64> {
        // SAFETY: a Fib exists only inside the Box its constructor returns.
        let object = unsafe { pinned(&self.object) };
        // Through the interface (black_box: the compiler may not see which object it is).
        let this: &'a dyn FibService<S> = black_box(self);
        S::place(object, storage, Level(async move {
            if n < 2 {
                i64::from(n)
            } else {
                let mut storage = pin!(S::CallerStorage::default());
                let a = this.fib(storage.as_mut(), n - 1).await;
                let b = this.fib(storage.as_mut(), n - 2).await;
                a + b
            }
        }))
    }
}

/// The constructors for strategy S, compiled in this crate: None for a row whose fixed
/// buffer cannot hold a level's future, which holds the next level's caller storage and
/// returned future (stack_future_N: the next level's N-byte buffer; in_place: the next
/// level's 512-byte slot); for those rows the implementation would not compile.
pub trait Recursions: Strategy {
    /// A chain of `depth` nodes (node i has value i + 1).
    fn make_chain(depth: usize) -> Option<Chain<dyn ChainNode<Self>>>;
    fn make_fib_service() -> Option<Box<dyn FibService<Self>>>;
}

macro_rules! recursions {
    (serves $s:ty) => {
        impl Recursions for $s {
            #[inline(never)]
            fn make_chain(depth: usize) -> Option<Chain<dyn ChainNode<Self>>> {
                Some(build_chain(depth, |value, next| {
                    Box::new(Node::<Self> {
                        object: Default::default(),
                        value,
                        next,
                    })
                }))
            }

            #[inline(never)]
            fn make_fib_service() -> Option<Box<dyn FibService<Self>>> {
                Some(Box::new(Fib::<Self> {
                    object: Default::default(),
                }))
            }
        }
    };
    (refuses $s:ty) => {
        impl Recursions for $s {
            fn make_chain(_: usize) -> Option<Chain<dyn ChainNode<Self>>> {
                None
            }
            fn make_fib_service() -> Option<Box<dyn FibService<Self>>> {
                None
            }
        }
    };
}

use testbed_strategies::{
    Boxed, CalleeCache, InPlace, Inline, Local, ReusableBox, Sendable, SideStack, StackFutureOrBox,
    StackFutureStrategy,
};

// Checked both ways by tests/w4.rs against the rows' traits (CHAIN_NEEDS).
recursions!(serves Boxed);
recursions!(refuses StackFutureStrategy<64>);
recursions!(refuses StackFutureStrategy<128>);
recursions!(refuses StackFutureStrategy<512>);
recursions!(refuses StackFutureStrategy<2048>);
recursions!(serves StackFutureOrBox<64>);
recursions!(serves StackFutureOrBox<128>);
recursions!(serves StackFutureOrBox<512>);
recursions!(serves StackFutureOrBox<2048>);
recursions!(refuses InPlace<512>);
recursions!(serves ReusableBox<Local>);
recursions!(serves ReusableBox<Sendable>);
recursions!(serves CalleeCache<Local>);
recursions!(serves CalleeCache<Sendable>);
recursions!(serves Inline<256, Local>);
recursions!(serves Inline<256, Sendable>);
recursions!(serves SideStack);

struct SyncNode {
    value: i64,
    next: Option<NonNull<dyn SyncChainNode>>,
}

impl SyncChainNode for SyncNode {
    fn sum(&self) -> i64 {
        match self.next {
            None => self.value,
            // SAFETY: the next node is owned by the same chain, which outlives &self.
            Some(next) => self.value + unsafe { next.as_ref() }.sum(),
        }
    }
}

/// The synchronous chain (row `sync_dyn`).
#[inline(never)]
pub fn make_sync_chain(depth: usize) -> Chain<dyn SyncChainNode> {
    build_chain(depth, |value, next| Box::new(SyncNode { value, next }))
}

/// Runs the chain's recursion once per `more()`; the top call's storage is the root's.
pub async fn chain_passes<S: Strategy>(
    chain: &Chain<dyn ChainNode<S>>,
    mut more: impl FnMut() -> bool,
) -> i64 {
    let mut storage = pin!(S::CallerStorage::default());
    let mut sum = 0i64;
    while more() {
        sum += chain.head().sum(storage.as_mut()).await;
    }
    sum
}

pub async fn fib_passes<S: Strategy>(
    service: &dyn FibService<S>,
    n: i32,
    mut more: impl FnMut() -> bool,
) -> i64 {
    let mut storage = pin!(S::CallerStorage::default());
    let mut sum = 0i64;
    while more() {
        sum += service.fib(storage.as_mut(), n).await;
    }
    sum
}

/// The chain: one call per object, each level's future holds the next level's caller
/// storage (and, in Rust, its returned handle), released in LIFO order.
pub const CHAIN_NEEDS: WorkloadNeeds = WorkloadNeeds {
    frame_holds_caller_storage: true,
    ..WorkloadNeeds::NONE
};

/// fib on one object: n calls outstanding on it at the deepest point.
pub const fn fib_needs(n: i32) -> WorkloadNeeds {
    WorkloadNeeds {
        calls_per_object: n,
        frame_holds_caller_storage: true,
        ..WorkloadNeeds::NONE
    }
}

/// Levels of the chain the per-level measurements run (and twice as many): small enough
/// that the largest per-level frames (stack_future_or_box_2048 moves its 2 KiB values on
/// the native stack at every level: 4,176 bytes per level in a release build, several
/// times that in a debug build) fit the probe stack below.
pub const PROBE_DEPTH: usize = 100;

/// The painted stack of the per-level probes. Painting and scanning it is the probes'
/// whole cost (W4's registration runs 32 of them, seconds under valgrind), so a release
/// build paints 2 MiB: 2.5 times what 2 * PROBE_DEPTH levels of the largest row take. A
/// debug build's frames are several times larger: the 8 MiB stack there.
const LEVEL_PROBE_STACK_BYTES: usize = if cfg!(debug_assertions) {
    passes::PROBE_STACK_BYTES
} else {
    2 * 1024 * 1024
};

/// Native stack one level of the chain takes with strategy S (bytes, on a painted stack):
/// the nested polls' frames, from the difference between PROBE_DEPTH and twice as many
/// levels (what the task's root and driver take once cancels out); about 0 for the side
/// stack's trampoline.
pub fn poll_stack_per_level<S: Recursions>() -> f64 {
    let used = |depth: usize| {
        passes::run_on_painted_stack(LEVEL_PROBE_STACK_BYTES, &mut || {
            // Built on the probe's thread (the chain is not Send); building is a loop.
            let chain = S::make_chain(depth).expect("a row that serves the chain");
            let sum = S::run_task(|| block_on(chain_passes::<S>(&chain, testbed_harness::executor::passes(1))));
            assert_eq!(sum, chain_sum(depth as i64), "the chain's sum");
        })
    };
    per_level(used(PROBE_DEPTH), used(2 * PROBE_DEPTH))
}

/// Native stack one level of the synchronous chain takes (bytes, painted stack, as
/// `poll_stack_per_level`).
pub fn sync_stack_per_level() -> f64 {
    let used = |depth: usize| {
        passes::run_on_painted_stack(LEVEL_PROBE_STACK_BYTES, &mut || {
            let chain = make_sync_chain(depth);
            assert_eq!(black_box(chain.head()).sum(), chain_sum(depth as i64));
        })
    };
    per_level(used(PROBE_DEPTH), used(2 * PROBE_DEPTH))
}

fn per_level(used_at_depth: usize, used_at_twice: usize) -> f64 {
    used_at_twice.saturating_sub(used_at_depth) as f64 / PROBE_DEPTH as f64
}

/// Whether `run(depth)` returns true on a thread with a `stack_bytes` stack, in a forked
/// child: an overflow kills the child, never this process.
pub fn survives_in_child(stack_bytes: usize, depth: usize, run: fn(usize) -> bool) -> bool {
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: the child runs the recursion and leaves through _exit (no destructors, no
    // flush); fork in a process whose other threads (if any) hold no lock the child needs
    // beyond malloc's, which glibc resets in the child.
    let child = unsafe { sys::fork() };
    if child == 0 {
        let mut ok = false;
        passes::run_on_painted_stack(stack_bytes, &mut || ok = run(depth));
        // SAFETY: see above.
        unsafe { sys::_exit(if ok { 0 } else { 4 }) };
    }
    assert!(child > 0, "survives_in_child: fork failed");
    let mut status = 0;
    // SAFETY: our own child, a valid status pointer.
    let waited = unsafe { sys::waitpid(child, &mut status, 0) } == child;
    let exited = waited && status & 0x7f == 0;
    let code = (status >> 8) & 0xff;
    assert!(!(exited && code == 4), "survives_in_child: the recursion returned a wrong sum");
    exited && code == 0
}

/// The depth at which `run` overflows a `stack_bytes` stack, found by bisection (to 0.1%)
/// in forked children around the estimate `stack_bytes / per_level`: (the smallest depth
/// found to overflow, the largest found to survive).
pub fn find_overflow_depth(stack_bytes: usize, per_level: f64, run: fn(usize) -> bool) -> (usize, usize) {
    assert!(per_level > 0.0, "no stack per level: nothing overflows");
    let estimate = (stack_bytes as f64 / per_level) as usize;
    let mut lo = (estimate / 2).max(1);
    while lo > 1 && !survives_in_child(stack_bytes, lo, run) {
        lo /= 2;
    }
    let mut hi = estimate * 2;
    while survives_in_child(stack_bytes, hi, run) {
        lo = hi;
        hi *= 2;
        assert!(hi <= 256_000_000, "the recursion never overflowed");
    }
    while hi - lo > (lo / 1000).max(1) {
        let mid = lo + (hi - lo) / 2;
        if survives_in_child(stack_bytes, mid, run) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (hi, lo)
}

/// Runs the synchronous chain of `depth` levels; true if its sum is right.
pub fn run_sync_chain(depth: usize) -> bool {
    let chain = make_sync_chain(depth);
    black_box(chain.head()).sum() == chain_sum(depth as i64)
}
