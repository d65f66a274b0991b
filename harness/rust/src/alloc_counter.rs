//! The counting global allocator (feature `counting`): a wrapper over
//! `std::alloc::System` (glibc malloc, what a Rust program uses by default) that counts
//! every allocation, free and requested byte, per thread and summed over all threads.
//!
//! In the timing build (no `counting` feature) there is no `#[global_allocator]` at all:
//! the program allocates through `System` directly and every count reads zero.

use std::ops::Sub;

/// Calls to the global allocator and bytes requested: counted since the thread (or the
/// process) started. Differences of two snapshots give what the code between them did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// `alloc`, `alloc_zeroed` and `realloc` calls (a `realloc` also counts one free).
    pub allocations: u64,
    /// `dealloc` and `realloc` calls.
    pub deallocations: u64,
    /// Bytes requested by those allocations (a `realloc` counts its new size).
    pub bytes: u64,
}

impl Sub for Counts {
    type Output = Counts;
    fn sub(self, earlier: Counts) -> Counts {
        Counts {
            allocations: self.allocations - earlier.allocations,
            deallocations: self.deallocations - earlier.deallocations,
            bytes: self.bytes - earlier.bytes,
        }
    }
}

#[cfg(feature = "counting")]
mod counting {
    use super::Counts;
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// The process's global allocator in the counting build.
    pub struct CountingAllocator;

    #[global_allocator]
    static GLOBAL: CountingAllocator = CountingAllocator;

    // Totals over all threads. Relaxed is enough: each counter is only ever incremented,
    // a read-modify-write never loses an increment whatever the ordering, and the readers
    // (a meter after its loop, a test after joining its threads) are ordered after the
    // increments they must see by the program's own synchronization (same thread, join).
    static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
    static DEALLOCATIONS: AtomicU64 = AtomicU64::new(0);
    static BYTES: AtomicU64 = AtomicU64::new(0);

    // Per thread: const-initialized and without destructor, so reading them never
    // allocates (it is safe inside the allocator) and works during thread teardown.
    thread_local! {
        static THREAD_ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
        static THREAD_DEALLOCATIONS: Cell<u64> = const { Cell::new(0) };
        static THREAD_BYTES: Cell<u64> = const { Cell::new(0) };
    }

    #[inline]
    fn count_allocation(bytes: usize) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(bytes as u64, Ordering::Relaxed);
        // try_with: after the thread's TLS is torn down the per-thread count is skipped
        // (the all-threads count above still has it).
        let _ = THREAD_ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        let _ = THREAD_BYTES.try_with(|c| c.set(c.get() + bytes as u64));
    }

    #[inline]
    fn count_deallocation() {
        DEALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        let _ = THREAD_DEALLOCATIONS.try_with(|c| c.set(c.get() + 1));
    }

    // SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
    // this allocator upholds exactly the contract `System` upholds; counting touches only
    // atomics and allocation-free thread-locals, never the heap.
    unsafe impl GlobalAlloc for CountingAllocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            count_allocation(layout.size());
            // SAFETY: forwarded with the caller's guarantees (non-zero size).
            unsafe { System.alloc(layout) }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            count_allocation(layout.size());
            // SAFETY: as alloc.
            unsafe { System.alloc_zeroed(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            count_deallocation();
            // SAFETY: ptr came from this allocator, i.e. from System, with this layout.
            unsafe { System.dealloc(ptr, layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            count_deallocation();
            count_allocation(new_size);
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    pub fn this_thread() -> Counts {
        Counts {
            allocations: THREAD_ALLOCATIONS.with(Cell::get),
            deallocations: THREAD_DEALLOCATIONS.with(Cell::get),
            bytes: THREAD_BYTES.with(Cell::get),
        }
    }

    pub fn all_threads() -> Counts {
        Counts {
            allocations: ALLOCATIONS.load(Ordering::Relaxed),
            deallocations: DEALLOCATIONS.load(Ordering::Relaxed),
            bytes: BYTES.load(Ordering::Relaxed),
        }
    }
}

/// What this thread has asked of the global allocator so far (zero in the timing build).
#[inline]
pub fn this_thread() -> Counts {
    #[cfg(feature = "counting")]
    {
        counting::this_thread()
    }
    #[cfg(not(feature = "counting"))]
    {
        Counts::default()
    }
}

/// What every thread of the process has asked of the global allocator so far (zero in the
/// timing build).
#[inline]
pub fn all_threads() -> Counts {
    #[cfg(feature = "counting")]
    {
        counting::all_threads()
    }
    #[cfg(not(feature = "counting"))]
    {
        Counts::default()
    }
}

#[cfg(all(test, feature = "counting"))]
mod tests {
    use super::*;
    use std::hint::black_box;

    #[test]
    fn counts_one_box_exactly() {
        let before = this_thread();
        let b = black_box(Box::new(black_box([7u8; 24])));
        let mid = this_thread();
        drop(b);
        let after = this_thread();
        assert_eq!(
            mid - before,
            Counts {
                allocations: 1,
                deallocations: 0,
                bytes: 24
            }
        );
        assert_eq!(
            after - mid,
            Counts {
                allocations: 0,
                deallocations: 1,
                bytes: 0
            }
        );
    }

    #[test]
    fn all_threads_sees_another_thread() {
        let before = all_threads();
        std::thread::spawn(|| drop(black_box(Box::new(black_box(1u64)))))
            .join()
            .unwrap();
        let after = all_threads();
        // At least the box (thread start-up allocates too).
        assert!((after - before).allocations >= 1);
    }
}
