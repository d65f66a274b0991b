//! What the strategies share: a future erased to a poll/drop function pair (the "vtable"
//! a `dyn Future` would carry), the handle a strategy returns for a future it placed
//! somewhere (`PlacedFuture`), an aligned byte buffer, a fixed slot a future can be
//! written into (inline, in_place), and a cached heap block (reusable_box, callee_cache).

use crate::forms::{BUSY, Word};
use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::cell::UnsafeCell;
use std::future::Future;
use std::marker::{PhantomData, PhantomPinned};
use std::mem::{MaybeUninit, align_of, size_of};
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::task::{Context, Poll};

/// The alignment of every fixed buffer: 16, what malloc returns on x86-64 (a future of a
/// stricter alignment does not fit one).
pub const BUFFER_ALIGN: usize = 16;

/// N bytes, 16-byte aligned, uninitialized.
#[repr(C, align(16))]
pub struct AlignedBuf<const N: usize>([MaybeUninit<u8>; N]);

impl<const N: usize> AlignedBuf<N> {
    pub const fn uninit() -> Self {
        AlignedBuf([MaybeUninit::uninit(); N])
    }
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.0.as_mut_ptr().cast()
    }
}

/// Whether a future of type F fits an N-byte buffer (size and alignment).
pub const fn fits<F, const N: usize>() -> bool {
    size_of::<F>() <= N && align_of::<F>() <= BUFFER_ALIGN
}

/// Polls the F at `data`.
///
/// # Safety
/// `data` points to a live F that is pinned: it is never moved before it is dropped.
pub unsafe fn poll_erased<F: Future>(data: *mut u8, cx: &mut Context<'_>) -> Poll<F::Output> {
    // SAFETY: the caller guarantees a live, pinned F at data.
    unsafe { Pin::new_unchecked(&mut *data.cast::<F>()) }.poll(cx)
}

/// Drops the F at `data` in place.
///
/// # Safety
/// `data` points to a live F, which is not used afterwards.
pub unsafe fn drop_erased<F>(data: *mut u8) {
    // SAFETY: the caller guarantees a live F at data, never used again.
    unsafe { ptr::drop_in_place(data.cast::<F>()) }
}

/// The poll function of an erased future producing T.
pub type PollFn<T> = unsafe fn(*mut u8, &mut Context<'_>) -> Poll<T>;
/// The drop function of an erased future. (Always called: an async block's state machine
/// has drop glue, so an `Option` skipping futures without it only added a test.)
pub type DropFn = unsafe fn(*mut u8);

/// What a handle does after its future was dropped: give the slot, block or side-stack
/// space back to whoever placed it.
pub trait Release {
    fn release(&mut self);
}

/// A future placed somewhere else (a slot, a cached block, a side stack) and the handle
/// the callee returns for it: the caller polls it through the erased poll function, and
/// dropping it drops the future in place, then releases its memory. The handle itself
/// never moves the future, so it may be moved freely (it is `Unpin`).
#[must_use = "futures do nothing unless awaited"]
pub struct PlacedFuture<'a, T, R: Release> {
    data: NonNull<u8>,
    poll: PollFn<T>,
    drop: DropFn,
    release: R,
    // The future may borrow anything that lives for 'a.
    _borrow: PhantomData<&'a ()>,
}

impl<'a, T, R: Release> PlacedFuture<'a, T, R> {
    /// The handle of the F just written at `data`.
    ///
    /// # Safety
    /// `data` holds a live F, written there by the caller, that stays at that address
    /// (pinned) and valid for 'a unless the handle releases it; `release` gives back
    /// exactly that memory and nothing else touches it meanwhile.
    #[inline(always)]
    pub unsafe fn new<F>(data: NonNull<F>, release: R) -> Self
    where
        F: Future<Output = T> + Send + 'a,
    {
        PlacedFuture {
            data: data.cast(),
            poll: poll_erased::<F>,
            drop: drop_erased::<F>,
            release,
            _borrow: PhantomData,
        }
    }
}

impl<T, R: Release> Future for PlacedFuture<'_, T, R> {
    type Output = T;
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        // SAFETY: `new`'s contract: a live F, pinned at data, polled by its own function.
        unsafe { (this.poll)(this.data.as_ptr(), cx) }
    }
}

impl<T, R: Release> Drop for PlacedFuture<'_, T, R> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: `new`'s contract: the F at data is live and dropped only here; then its
        // memory is released and the handle is gone.
        unsafe { (self.drop)(self.data.as_ptr()) };
        self.release.release();
    }
}

impl<T, R: Release> Unpin for PlacedFuture<'_, T, R> {}

// SAFETY: every PlacedFuture holds a future that was `Send` (`new` requires it), so
// polling or dropping it on another thread is sound; what remains is releasing its
// memory, which is sound on another thread exactly when the release is `Send` (the
// Sendable forms' releases are: atomic words; the Local forms' and the side stack's are
// not).
unsafe impl<T, R: Release + Send> Send for PlacedFuture<'_, T, R> {}

/// Panics with a strategy's refusal, out of line: the hot path only tests and branches.
#[cold]
#[inline(never)]
#[track_caller]
pub fn refuse(refusal: &'static str) -> ! {
    panic!("{refusal}")
}

/// Releases a slot: marks its word free again.
pub struct SlotRelease<'a, W: Word>(&'a W);

impl<W: Word> Release for SlotRelease<'_, W> {
    #[inline(always)]
    fn release(&mut self) {
        self.0.store(ptr::null_mut());
    }
}

/// A fixed slot of N bytes a future is written into in place: in the object (inline) or
/// in the caller's storage (in_place). Its word says whether a future lives in it.
#[repr(C)]
pub struct Slot<const N: usize, W: Word> {
    word: W,
    data: UnsafeCell<AlignedBuf<N>>,
    _pinned: PhantomPinned,
}

impl<const N: usize, W: Word> Default for Slot<N, W> {
    fn default() -> Self {
        Slot {
            word: W::default(),
            data: UnsafeCell::new(AlignedBuf::uninit()),
            _pinned: PhantomPinned,
        }
    }
}

// SAFETY: the slot's bytes are only touched by the thread that claimed the slot (an
// Acquire swap of the atomic word from null to BUSY), until the handle it gave out
// releases it (a Release store): accesses to the data never overlap. Only the Sendable
// word allows sharing; the Local word is `!Sync` and `!Send`.
unsafe impl<const N: usize> Sync for Slot<N, crate::forms::SendableWord> {}

impl<const N: usize, W: Word> Slot<N, W> {
    /// Writes `future` into the slot and returns its handle; panics when the slot is
    /// taken (`refusal` says why, in the strategy's words). The size was checked at
    /// compile time by the caller (`fits`).
    #[inline(always)]
    pub fn place<'a, T, F>(
        self: Pin<&'a Self>,
        future: F,
        refusal: &'static str,
    ) -> PlacedFuture<'a, T, SlotRelease<'a, W>>
    where
        F: Future<Output = T> + Send + 'a,
    {
        const { assert!(fits::<F, N>(), "the future does not fit the slot") };
        let slot = self.get_ref();
        if slot.word.swap(BUSY) == BUSY {
            refuse(refusal);
        }
        let data = slot.data.get().cast::<F>();
        // SAFETY: the slot is ours (claimed above) and holds no live future; data is
        // aligned and large enough for F (checked at compile time).
        unsafe { data.write(future) };
        testbed_harness::frames::record(size_of::<F>());
        // SAFETY: F is live at data; the slot is pinned (self is Pin), so it stays there
        // until the handle drops it and the SlotRelease frees the slot; the handle
        // borrows the slot for 'a.
        unsafe { PlacedFuture::new(NonNull::new_unchecked(data), SlotRelease(&slot.word)) }
    }
}

impl<const N: usize, W: Word> Drop for Slot<N, W> {
    fn drop(&mut self) {
        if self.word.load() == BUSY {
            // A handle was leaked (mem::forget) while its future lived here: the future
            // can neither be dropped now (what it borrowed may be gone) nor left in memory
            // that is about to be freed (it is pinned). Nothing safe remains.
            eprintln!(
                "testbed strategies: a slot is destroyed while a future placed in it is alive (its handle was leaked)"
            );
            std::process::abort();
        }
    }
}

/// The header of a cached heap block: its layout; the future follows at
/// `data_offset(align)`.
#[repr(C)]
struct BlockHeader {
    size: usize,
    align: usize,
}

const fn data_offset(align: usize) -> usize {
    if align > size_of::<BlockHeader>() {
        align
    } else {
        size_of::<BlockHeader>()
    }
}

/// When a cached block serves a future: when its layout is exactly the one the future
/// needs (tokio's ReusableBoxFuture), or whenever it is large enough.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Reuse {
    SameLayout,
    LargeEnough,
}

/// Releases a cached block: gives it back to its cache's word.
pub struct BlockRelease<'a, W: Word> {
    word: &'a W,
    block: NonNull<u8>,
}

impl<W: Word> Release for BlockRelease<'_, W> {
    #[inline(always)]
    fn release(&mut self) {
        self.word.store(self.block.as_ptr());
    }
}

// SAFETY: the block is owned by this release alone (taken from the word) until it is
// given back; giving it back from another thread is sound when the word is `Sync` (the
// Sendable form's atomic word).
unsafe impl<W: Word + Sync> Send for BlockRelease<'_, W> {}

/// One heap block kept across calls (in the caller's storage or in the object); its word
/// is null, BUSY (taken by a live future), or the block.
#[derive(Default)]
pub struct BlockCache<W: Word> {
    word: W,
}

impl<W: Word> BlockCache<W> {
    /// Writes `future` into the cached block (allocating one on the first call, or when
    /// the cached one does not serve F under `reuse`) and returns its handle; panics when
    /// the block is taken (`refusal` says why).
    #[inline(always)]
    pub fn place<'a, T, F>(
        &'a self,
        future: F,
        reuse: Reuse,
        refusal: &'static str,
    ) -> PlacedFuture<'a, T, BlockRelease<'a, W>>
    where
        F: Future<Output = T> + Send + 'a,
    {
        let align = if align_of::<F>() > BUFFER_ALIGN {
            align_of::<F>()
        } else {
            BUFFER_ALIGN
        };
        let size = data_offset(align_of::<F>()) + size_of::<F>();
        let mut block = self.word.swap(BUSY);
        if block == BUSY {
            refuse(refusal);
        }
        // SAFETY (of the header reads): a non-null, non-BUSY word is a block this cache
        // allocated, which starts with its header.
        let serves = !block.is_null() && {
            let header = unsafe { &*block.cast::<BlockHeader>() };
            match reuse {
                Reuse::SameLayout => header.size == size && header.align == align,
                Reuse::LargeEnough => header.size >= size && header.align >= align,
            }
        };
        if !serves {
            block = Self::replace_block(block, size, align);
        }
        // SAFETY: the block is ours (taken above), at least `size` bytes aligned to
        // `align`, so data_offset(align_of F) is in bounds and aligned for F.
        let data = unsafe { block.add(data_offset(align_of::<F>())).cast::<F>() };
        // SAFETY: as above; no live future is in the block (a live one would have left
        // the word BUSY).
        unsafe { data.write(future) };
        testbed_harness::frames::record(size_of::<F>());
        // SAFETY: F is live at data and the block does not move; the release gives the
        // block back to this cache, which the handle borrows for 'a.
        unsafe {
            PlacedFuture::new(
                NonNull::new_unchecked(data),
                BlockRelease {
                    word: &self.word,
                    block: NonNull::new_unchecked(block),
                },
            )
        }
    }

    /// Frees `old` (if any) and allocates a block of `size` bytes aligned to `align`,
    /// its header written. Out of line: the first call, or a change of future type.
    #[cold]
    #[inline(never)]
    fn replace_block(old: *mut u8, size: usize, align: usize) -> *mut u8 {
        Self::free(old);
        let layout = Layout::from_size_align(size, align).expect("a future's layout");
        // SAFETY: size is at least the header's, so non-zero.
        let block = unsafe { alloc(layout) };
        if block.is_null() {
            handle_alloc_error(layout);
        }
        // SAFETY: a fresh block, aligned to at least the header's alignment.
        unsafe {
            block
                .cast::<BlockHeader>()
                .write(BlockHeader { size, align })
        };
        block
    }

    fn free(block: *mut u8) {
        if block.is_null() || block == BUSY {
            return;
        }
        // SAFETY: a block this cache allocated: its header holds the layout it was
        // allocated with, and no future lives in it (it was not BUSY).
        unsafe {
            let header = block.cast::<BlockHeader>().read();
            dealloc(
                block,
                Layout::from_size_align_unchecked(header.size, header.align),
            );
        }
    }
}

impl<W: Word> Drop for BlockCache<W> {
    fn drop(&mut self) {
        // BUSY: a handle was leaked with its future in the block; the block is leaked
        // with it (never freed, so the pinned future's memory stays valid).
        Self::free(self.word.load());
    }
}
