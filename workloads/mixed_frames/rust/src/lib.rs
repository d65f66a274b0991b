//! W2 frame sizes, Rust side: `trait FrameSource { async fn call(&self) -> i32; }` made
//! `dyn`-callable by a strategy, with implementations whose futures keep 0 to 3584 bytes
//! of locals across a suspension point (the counterpart of workloads/mixed_frames/
//! mixed_frames.hpp and frame_sources.cpp), and the caller's loop.
//!
//! In Rust the size of a callee's future is the compiler's, known at compile time: a
//! strategy with a fixed buffer refuses a future that does not fit when the program is
//! compiled (stack_future_N, in_place, inline). So the constructors are instantiated only
//! for the sizes each strategy serves ([`FrameSources`], one table below); the tests check
//! that the table is exactly what the strategies' buffers and the futures' sizes allow
//! (a size too many would not compile; a size too few fails the test).
//!
//! The opaque boundary, as W1: the sources are private to this crate and every constructor
//! is a non-generic `#[inline(never)]` function compiled here, returning `Box<dyn …>`.

use std::future::Future;
use std::hint::black_box;
use std::mem::MaybeUninit;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use testbed_harness::capabilities::WorkloadNeeds;
use testbed_strategies::Strategy;

/// `trait FrameSource { async fn call(&self) -> i32; }` through `dyn`, with the strategy
/// S chosen where it is used; `storage` is the caller's storage for the strategy.
pub trait FrameSource<S: Strategy> {
    fn call<'a>(&'a self, storage: Pin<&'a mut S::CallerStorage>) -> S::Handle<'a, i32>;
}

/// Bytes of locals each implementation keeps across a suspension point (the C++
/// `local_sizes`): its future is this much larger than the smallest.
pub const LOCAL_SIZES: [usize; 8] = [0, 64, 128, 256, 512, 1024, 2048, 3584];

/// A suspension point the compiler must assume may suspend (its poll is out of line), so
/// the locals that live across it are kept in the future; it is ready at once.
struct MaybeSuspend;

impl Future for MaybeSuspend {
    type Output = ();
    #[inline(never)]
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
}

/// Writes the first and last byte only: the future's size is what is measured, not memset.
#[inline(never)]
fn touch(bytes: &mut [MaybeUninit<u8>]) {
    let last = bytes.len() - 1;
    bytes[0].write(1);
    bytes[last].write(2);
}

/// The body of `call` keeping B bytes across the suspension: returns 1.
fn body<const B: usize>() -> impl Future<Output = i32> + Send {
    async move {
        if B == 0 {
            MaybeSuspend.await;
            1
        } else {
            let mut local = [MaybeUninit::<u8>::uninit(); B];
            touch(&mut local);
            MaybeSuspend.await;
            // SAFETY: touch wrote the first and the last byte.
            let (first, last) = unsafe { (local[0].assume_init(), local[B - 1].assume_init()) };
            i32::from(first) + i32::from(last) - 2
        }
    }
}

/// The bytes of the future `call` places for LOCAL_SIZES[size_index] (`size_of`: the
/// compiler's, exact), and its alignment.
pub fn future_layout(size_index: usize) -> (usize, usize) {
    fn layout<F>(_: &F) -> (usize, usize) {
        (size_of::<F>(), align_of::<F>())
    }
    macro_rules! at {
        ($($i:literal)*) => {
            match size_index {
                $($i => layout(&body::<{ LOCAL_SIZES[$i] }>()),)*
                _ => panic!("no local size {size_index}"),
            }
        };
    }
    at!(0 1 2 3 4 5 6 7)
}

/// What the sweep's cell for LOCAL_SIZES[size_index] needs: its one future's size.
pub fn size_needs(size_index: usize) -> WorkloadNeeds {
    WorkloadNeeds {
        largest_frame: future_layout(size_index).0,
        ..WorkloadNeeds::NONE
    }
}

/// The source whose call keeps B bytes across its suspension, for strategy S.
struct SizedSource<S: Strategy, const B: usize> {
    object: S::ObjectState,
}

impl<S: Strategy, const B: usize> FrameSource<S> for SizedSource<S, B> {
    fn call<'a>(&'a self, storage: Pin<&'a mut S::CallerStorage>) -> S::Handle<'a, i32> {
        // SAFETY: a SizedSource exists only inside the Box its constructor returns, which
        // safe code cannot move it out of: its state never moves before it is dropped.
        let object = unsafe { Pin::new_unchecked(&self.object) };
        S::place(object, storage, body::<B>())
    }
}

/// The sources' constructors for strategy S, compiled in this crate: `make_source(i)` is
/// the source keeping LOCAL_SIZES[i] bytes, or None when S's fixed buffer cannot hold its
/// future (refused at compile time, so never instantiated).
pub trait FrameSources: Strategy {
    fn make_source(size_index: usize) -> Option<Box<dyn FrameSource<Self>>>;
}

/// `sources!(S; i j ...)`: S serves the sizes at those indices of LOCAL_SIZES.
macro_rules! sources {
    ($s:ty; $($i:literal)*) => {
        impl FrameSources for $s {
            #[inline(never)]
            fn make_source(size_index: usize) -> Option<Box<dyn FrameSource<Self>>> {
                match size_index {
                    $($i => Some(Box::new(SizedSource::<Self, { LOCAL_SIZES[$i] }> {
                        object: Default::default(),
                    })),)*
                    _ => None,
                }
            }
        }
    };
}

use testbed_strategies::{
    Boxed, CalleeCache, InPlace, Inline, Local, ReusableBox, Sendable, SideStack, StackFutureOrBox,
    StackFutureStrategy,
};

// Which sizes each row serves: every size, but for the fixed buffers, whose futures must
// fit N bytes (a future is its locals plus a byte of state: 64 B of locals need 65).
// Checked both ways by tests/w2.rs.
sources!(Boxed; 0 1 2 3 4 5 6 7);
sources!(StackFutureStrategy<64>; 0);
sources!(StackFutureStrategy<128>; 0 1);
sources!(StackFutureStrategy<512>; 0 1 2 3);
sources!(StackFutureStrategy<2048>; 0 1 2 3 4 5);
sources!(StackFutureOrBox<64>; 0 1 2 3 4 5 6 7);
sources!(StackFutureOrBox<128>; 0 1 2 3 4 5 6 7);
sources!(StackFutureOrBox<512>; 0 1 2 3 4 5 6 7);
sources!(StackFutureOrBox<2048>; 0 1 2 3 4 5 6 7);
sources!(InPlace<512>; 0 1 2 3);
sources!(ReusableBox<Local>; 0 1 2 3 4 5 6 7);
sources!(ReusableBox<Sendable>; 0 1 2 3 4 5 6 7);
sources!(CalleeCache<Local>; 0 1 2 3 4 5 6 7);
sources!(CalleeCache<Sendable>; 0 1 2 3 4 5 6 7);
sources!(Inline<256, Local>; 0 1 2);
sources!(Inline<256, Sendable>; 0 1 2);
sources!(SideStack; 0 1 2 3 4 5 6 7);

/// The caller's loop, written once: `calls` calls per pass while `more()` says so,
/// returning the sum of the results (each 1). The caller's storage is a local of this
/// future, pinned in it.
pub async fn call_passes<S: Strategy>(
    source: &dyn FrameSource<S>,
    calls: u64,
    mut more: impl FnMut() -> bool,
) -> i64 {
    let mut storage = pin!(S::CallerStorage::default());
    let mut sum = 0i64;
    while more() {
        for _ in 0..black_box(calls) {
            sum += i64::from(source.call(storage.as_mut()).await);
        }
    }
    sum
}
