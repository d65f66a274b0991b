//! `stack_future_<N>` and `stack_future_or_box_<N>`: the future returned by value in an
//! N-byte, 16-byte-aligned buffer with a poll/drop function pair beside it, the design of
//! the `stackfuture` crate (written here from its description: no crate is reachable).
//! The callee writes its future into the buffer of the value it returns; the caller's
//! `.await` moves the whole value (all N bytes) into its own state before polling it, so
//! the cost grows with N even when the future is small.
//!
//! `StackFuture::from` refuses at compile time a future that does not fit (a constant
//! assertion evaluated when `from` is instantiated for that future's type);
//! `StackFuture::from_or_box` boxes it instead (stackfuture's `from_or_box`), and the
//! buffer then holds the `Pin<Box<dyn Future>>`.

use crate::Strategy;
use crate::erased::{AlignedBuf, BUFFER_ALIGN, DropFn, PollFn, drop_erased, fits, poll_erased};
use std::future::Future;
use std::marker::{PhantomData, PhantomPinned};
use std::mem::{align_of, size_of};
use std::pin::Pin;
use std::task::{Context, Poll};
use testbed_harness::design_post;
use testbed_harness::manifest::StrategyTraits;

/// A future of output T stored by value in N bytes.
///
/// ```
/// use testbed_strategies::StackFuture;
/// let f: StackFuture<'_, i32, 64> = StackFuture::from(async { 7 });
/// assert_eq!(testbed_harness::executor::block_on(f), 7);
/// ```
///
/// A future larger than the buffer is refused when the program is compiled:
///
/// ```compile_fail,E0080
/// use testbed_strategies::StackFuture;
/// let big = [0u8; 100];
/// let f: StackFuture<'_, u8, 64> = StackFuture::from(async move { big[0] });
/// ```
///
/// and boxed by `from_or_box`:
///
/// ```
/// use testbed_strategies::StackFuture;
/// let big = [1u8; 100];
/// let f: StackFuture<'_, u8, 64> = StackFuture::from_or_box(async move { big[99] });
/// assert_eq!(testbed_harness::executor::block_on(f), 1);
/// ```
#[repr(C)]
#[must_use = "futures do nothing unless awaited"]
pub struct StackFuture<'a, T, const N: usize> {
    poll: PollFn<T>,
    drop: DropFn,
    data: AlignedBuf<N>,
    // The future may borrow for 'a; `*mut ()` keeps the value `!Send` (the ?Send shape,
    // as box's `dyn Future + '_`); PhantomPinned: the future inside may be !Unpin.
    _marker: PhantomData<(&'a (), *mut ())>,
    _pinned: PhantomPinned,
}

impl<'a, T: 'a, const N: usize> StackFuture<'a, T, N> {
    /// The future in the buffer; refused at compile time if it does not fit.
    #[inline(always)]
    pub fn from<F: Future<Output = T> + 'a>(future: F) -> Self {
        const {
            assert!(
                fits::<F, N>(),
                "stack_future: the future does not fit the N-byte buffer (use from_or_box, or a larger N)"
            )
        };
        // SAFETY: F fits (asserted at compile time).
        unsafe { Self::from_unchecked(future) }
    }

    /// The future in the buffer if it fits, else boxed (the box in the buffer): decided
    /// at compile time for each future type.
    #[inline(always)]
    pub fn from_or_box<F>(future: F) -> Self
    where
        F: Future<Output = T> + 'a,
    {
        if const { fits::<F, N>() } {
            // SAFETY: F fits (the constant condition above).
            unsafe { Self::from_unchecked(future) }
        } else {
            Self::boxed(future)
        }
    }

    #[cold]
    #[inline(never)]
    fn boxed<F: Future<Output = T> + 'a>(future: F) -> Self {
        testbed_harness::frames::record_heap_fallback();
        let boxed: Pin<Box<dyn Future<Output = T> + 'a>> = Box::pin(future);
        const {
            assert!(
                fits::<Pin<Box<dyn Future<Output = ()>>>, N>(),
                "N must hold a box"
            )
        };
        // The record is the boxed future's size, not the two words the buffer keeps.
        testbed_harness::frames::record(size_of::<F>());
        // SAFETY: a boxed future is two words, which fit any N the assertion accepts.
        unsafe { Self::write_unchecked(boxed) }
    }

    /// # Safety
    /// F must fit the buffer (`fits::<F, N>()`).
    #[inline(always)]
    unsafe fn from_unchecked<F: Future<Output = T> + 'a>(future: F) -> Self {
        testbed_harness::frames::record(size_of::<F>());
        // SAFETY: the caller's guarantee.
        unsafe { Self::write_unchecked(future) }
    }

    /// `from_unchecked` without the frame record.
    ///
    /// # Safety
    /// F must fit the buffer (`fits::<F, N>()`).
    #[inline(always)]
    unsafe fn write_unchecked<F: Future<Output = T> + 'a>(future: F) -> Self {
        debug_assert!(fits::<F, N>() && align_of::<AlignedBuf<N>>() == BUFFER_ALIGN);
        let mut this = StackFuture {
            poll: poll_erased::<F>,
            drop: drop_erased::<F>,
            data: AlignedBuf::uninit(),
            _marker: PhantomData,
            _pinned: PhantomPinned,
        };
        // SAFETY: the buffer is 16-byte aligned and at least size_of F (the caller's
        // guarantee, BUFFER_ALIGN >= align_of F): F is written into uninitialized bytes.
        unsafe { this.data.as_mut_ptr().cast::<F>().write(future) };
        this
    }
}

impl<T, const N: usize> Future for StackFuture<'_, T, N> {
    type Output = T;
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: the buffer is structurally pinned: the value is pinned, and nothing
        // moves the buffer out of it; `poll` is the function of the future written there.
        unsafe {
            let this = self.get_unchecked_mut();
            (this.poll)(this.data.as_mut_ptr(), cx)
        }
    }
}

impl<T, const N: usize> Drop for StackFuture<'_, T, N> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: the buffer holds the live future `drop` belongs to (written by the
        // constructor, dropped only here).
        unsafe { (self.drop)(self.data.as_mut_ptr()) }
    }
}

const fn name(n: usize, or_box: bool) -> &'static str {
    // Row names are constants; the rows use these N (add one to use another).
    match (n, or_box) {
        (64, false) => "stack_future_64",
        (128, false) => "stack_future_128",
        (512, false) => "stack_future_512",
        (2048, false) => "stack_future_2048",
        (64, true) => "stack_future_or_box_64",
        (128, true) => "stack_future_or_box_128",
        (512, true) => "stack_future_or_box_512",
        (2048, true) => "stack_future_or_box_2048",
        _ => panic!("stack_future: no row name for this N (add it to stack_future::name)"),
    }
}

/// The strategy returning `StackFuture<'a, T, N>`, refusing larger futures at compile time
/// (rows `stack_future_<N>`).
#[derive(Debug)]
pub enum StackFutureStrategy<const N: usize> {}

/// The strategy returning `StackFuture<'a, T, N>`, boxing larger futures (rows
/// `stack_future_or_box_<N>`).
#[derive(Debug)]
pub enum StackFutureOrBox<const N: usize> {}

impl<const N: usize> Strategy for StackFutureStrategy<N> {
    const NAME: &'static str = name(N, false);
    const FAMILY: &'static str = name(N, false);
    const DESIGN: design_post::Entry = design_post::MAX_SPACE;
    const PLACEMENT: &'static str = "an N-byte buffer inside the returned value (stackfuture), moved into the caller's future on .await";
    const TRAITS: StrategyTraits = StrategyTraits {
        max_frame_bytes: N,
        ..StrategyTraits::allocating(0, 0)
    };
    const RETURNED_BYTES: usize = size_of::<StackFuture<'static, (), N>>();

    type ObjectState = ();
    type CallerStorage = ();
    type Handle<'a, T: 'a> = StackFuture<'a, T, N>;

    #[inline(always)]
    fn place<'a, T: 'a, F>(_: Pin<&'a ()>, _: Pin<&'a mut ()>, future: F) -> Self::Handle<'a, T>
    where
        F: Future<Output = T> + Send + 'a,
    {
        StackFuture::from(future)
    }
}

impl<const N: usize> Strategy for StackFutureOrBox<N> {
    const NAME: &'static str = name(N, true);
    const FAMILY: &'static str = name(N, true);
    const DESIGN: design_post::Entry = design_post::FALLBACK;
    const PLACEMENT: &'static str = "an N-byte buffer inside the returned value (stackfuture's from_or_box), the heap when the future is larger";
    // No allocation while the future fits (W1's always does).
    const TRAITS: StrategyTraits = StrategyTraits::allocating(0, 0);
    const RETURNED_BYTES: usize = size_of::<StackFuture<'static, (), N>>();

    type ObjectState = ();
    type CallerStorage = ();
    type Handle<'a, T: 'a> = StackFuture<'a, T, N>;

    #[inline(always)]
    fn place<'a, T: 'a, F>(_: Pin<&'a ()>, _: Pin<&'a mut ()>, future: F) -> Self::Handle<'a, T>
    where
        F: Future<Output = T> + Send + 'a,
    {
        StackFuture::from_or_box(future)
    }
}
