//! The record of futures the strategies place (the Rust counterpart of C++'s frame
//! requests): how many, their bytes, the largest, and how many a non-boxing strategy sent
//! to the heap. Counted in the counting build only; in the timing build every function
//! here is an empty inline function, so the strategies call them unconditionally.

/// Futures placed and their bytes, since the process started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameCounts {
    pub frames: u64,
    pub bytes: u64,
    pub heap_fallbacks: u64,
}

#[cfg(feature = "counting")]
mod counting {
    use super::FrameCounts;
    use std::cell::Cell;
    use std::sync::atomic::{AtomicU64, Ordering};

    // Relaxed: increments only (and a max), read after the measured code by the same
    // thread or after a join; see alloc_counter for the same reasoning.
    static FRAMES: AtomicU64 = AtomicU64::new(0);
    static BYTES: AtomicU64 = AtomicU64::new(0);
    static FALLBACKS: AtomicU64 = AtomicU64::new(0);
    static LARGEST: AtomicU64 = AtomicU64::new(0);

    thread_local! {
        static THREAD_FRAMES: Cell<u64> = const { Cell::new(0) };
        static THREAD_BYTES: Cell<u64> = const { Cell::new(0) };
        static THREAD_FALLBACKS: Cell<u64> = const { Cell::new(0) };
    }

    pub fn record(bytes: usize) {
        FRAMES.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(bytes as u64, Ordering::Relaxed);
        LARGEST.fetch_max(bytes as u64, Ordering::Relaxed);
        let _ = THREAD_FRAMES.try_with(|c| c.set(c.get() + 1));
        let _ = THREAD_BYTES.try_with(|c| c.set(c.get() + bytes as u64));
    }

    pub fn record_heap_fallback() {
        FALLBACKS.fetch_add(1, Ordering::Relaxed);
        let _ = THREAD_FALLBACKS.try_with(|c| c.set(c.get() + 1));
    }

    pub fn all_threads() -> FrameCounts {
        FrameCounts {
            frames: FRAMES.load(Ordering::Relaxed),
            bytes: BYTES.load(Ordering::Relaxed),
            heap_fallbacks: FALLBACKS.load(Ordering::Relaxed),
        }
    }

    pub fn this_thread() -> FrameCounts {
        FrameCounts {
            frames: THREAD_FRAMES.with(Cell::get),
            bytes: THREAD_BYTES.with(Cell::get),
            heap_fallbacks: THREAD_FALLBACKS.with(Cell::get),
        }
    }

    pub fn take_largest() -> u64 {
        LARGEST.swap(0, Ordering::Relaxed)
    }
}

/// Records one future of `bytes` bytes placed by a strategy (counting build only).
#[inline(always)]
pub fn record(bytes: usize) {
    #[cfg(feature = "counting")]
    counting::record(bytes);
    #[cfg(not(feature = "counting"))]
    let _ = bytes;
}

/// Records that a strategy with storage of its own sent a future to the heap.
#[inline(always)]
pub fn record_heap_fallback() {
    #[cfg(feature = "counting")]
    counting::record_heap_fallback();
}

/// Futures placed on every thread so far (zero in the timing build).
#[inline]
pub fn all_threads() -> FrameCounts {
    #[cfg(feature = "counting")]
    {
        counting::all_threads()
    }
    #[cfg(not(feature = "counting"))]
    {
        FrameCounts::default()
    }
}

/// Futures placed on this thread so far (zero in the timing build).
#[inline]
pub fn this_thread() -> FrameCounts {
    #[cfg(feature = "counting")]
    {
        counting::this_thread()
    }
    #[cfg(not(feature = "counting"))]
    {
        FrameCounts::default()
    }
}

/// The largest future placed since the last call (and resets it): a meter reads it after
/// its loop, having reset it before.
#[inline]
pub fn take_largest() -> u64 {
    #[cfg(feature = "counting")]
    {
        counting::take_largest()
    }
    #[cfg(not(feature = "counting"))]
    {
        0
    }
}
