//! `side_stack`: every call's future pushed onto the running task's side stack, a LIFO
//! arena in the style of vuot/reblessive (and of the C++ row, libfork's stacklets, Swift's
//! task allocator): a push bumps a pointer, dropping the newest future pops it. The task's
//! runtime installs the arena (`Strategy::run_task`, around the task's `block_on`); a call
//! outside a task is refused, and so is releasing a future that is not the newest one (a
//! non-LIFO release): both panic with a message saying so.
//!
//! The arena grows in chunks (4 KiB, then doubling); a chunk emptied by pops stays linked
//! above the current one and is reused by the next push that crosses the boundary, so a
//! task that recurses deep again and again allocates its chunks once. The chunks are freed
//! when the task ends (or leaked, if a future escaped the task).

use crate::Strategy;
use crate::erased::{PlacedFuture, Release};
use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::cell::Cell;
use std::future::Future;
use std::mem::{align_of, size_of};
use std::pin::Pin;
use std::ptr::{self, NonNull};
use testbed_harness::design_post;
use testbed_harness::manifest::StrategyTraits;

/// The side-stack strategy (row `side_stack`).
#[derive(Debug)]
pub enum SideStack {}

/// A chunk of the arena; its data follows the header.
#[repr(C, align(16))]
struct Chunk {
    /// The chunk below (null for the first).
    prev: *mut Chunk,
    /// An emptied chunk above, kept for reuse (null if none).
    next: *mut Chunk,
    /// Bytes of data.
    size: usize,
}

const FIRST_CHUNK_BYTES: usize = 4096;
const HEADER: usize = size_of::<Chunk>();

fn chunk_layout(size: usize) -> Layout {
    Layout::from_size_align(HEADER + size, align_of::<Chunk>()).expect("a side-stack chunk")
}

fn data_of(chunk: *mut Chunk) -> *mut u8 {
    // SAFETY (of the offset): the data follows the header inside the chunk's allocation.
    unsafe { chunk.cast::<u8>().add(HEADER) }
}

/// The running task's arena, per thread: where the next future goes and where the current
/// chunk ends. Const-initialized Cells without destructor: one TLS access, no allocation.
struct Arena {
    top: Cell<*mut u8>,
    limit: Cell<*mut u8>,
    chunk: Cell<*mut Chunk>,
    in_task: Cell<bool>,
}

thread_local! {
    static ARENA: Arena = const {
        Arena {
            top: Cell::new(ptr::null_mut()),
            limit: Cell::new(ptr::null_mut()),
            chunk: Cell::new(ptr::null_mut()),
            in_task: Cell::new(false),
        }
    };
}

/// What popping a future needs: where it ended (the LIFO check), the top before it was
/// pushed, and whether the push moved to a new chunk.
pub struct SideRelease {
    end: *mut u8,
    prev_top: *mut u8,
    crossed: bool,
}

impl Release for SideRelease {
    #[inline(always)]
    fn release(&mut self) {
        ARENA.with(|arena| {
            if arena.top.get() != self.end {
                non_lifo_release();
            }
            arena.top.set(self.prev_top);
            if self.crossed {
                step_back(arena);
            }
        })
    }
}

#[cold]
#[inline(never)]
fn non_lifo_release() -> ! {
    panic!(
        "side_stack: a future was released out of LIFO order (it is not the newest future on the task's side \
         stack, or it escaped its task); the side stack serves LIFO lifetimes only"
    )
}

/// Back to the chunk below; the emptied one stays linked above it for reuse.
#[cold]
#[inline(never)]
fn step_back(arena: &Arena) {
    let chunk = arena.chunk.get();
    // SAFETY: a crossed push installed `chunk` above a previous chunk; both are live
    // allocations of this arena (chunks are freed only when the task ends empty).
    unsafe {
        let below = (*chunk).prev;
        arena.chunk.set(below);
        arena.limit.set(data_of(below).add((*below).size));
    }
}

/// Space for `size` bytes aligned to `align`: (start, release).
#[inline(always)]
fn push(size: usize, align: usize) -> (*mut u8, SideRelease) {
    ARENA.with(|arena| {
        let top = arena.top.get();
        let start = top.addr().wrapping_add(align - 1) & !(align - 1);
        let end = start.wrapping_add(size);
        if !top.is_null() && start >= top.addr() && end <= arena.limit.get().addr() {
            let end = top.with_addr(end);
            arena.top.set(end);
            (
                top.with_addr(start),
                SideRelease {
                    end,
                    prev_top: top,
                    crossed: false,
                },
            )
        } else {
            push_slow(arena, size, align)
        }
    })
}

/// The first push of a task, or one that does not fit the current chunk.
#[cold]
#[inline(never)]
fn push_slow(arena: &Arena, size: usize, align: usize) -> (*mut u8, SideRelease) {
    if !arena.in_task.get() {
        panic!(
            "side_stack: no task side stack on this thread: run the task through Strategy::run_task (the \
             benchmark's and the tests' roots do)"
        );
    }
    let needed = size + align;
    let current = arena.chunk.get();
    // SAFETY: current (if not null) and its cached successor are live chunks of this arena.
    let chunk = unsafe {
        if !current.is_null() && !(*current).next.is_null() && (*(*current).next).size >= needed {
            (*current).next
        } else {
            let previous_size = if current.is_null() {
                0
            } else {
                (*current).size
            };
            let size = FIRST_CHUNK_BYTES
                .max(previous_size * 2)
                .max(needed.next_power_of_two());
            let chunk = alloc(chunk_layout(size)).cast::<Chunk>();
            if chunk.is_null() {
                handle_alloc_error(chunk_layout(size));
            }
            chunk.write(Chunk {
                prev: current,
                next: ptr::null_mut(),
                size,
            });
            if !current.is_null() {
                free_chain((*current).next); // a cached chunk too small: replaced
                (*current).next = chunk;
            }
            chunk
        }
    };
    let base = data_of(chunk);
    // The first chunk of a task is not "crossed into": popping back to its base keeps it.
    let (prev_top, crossed) = if current.is_null() {
        (base, false)
    } else {
        (arena.top.get(), true)
    };
    arena.chunk.set(chunk);
    // SAFETY: size fields of a live chunk; the limit is one past its data.
    arena.limit.set(unsafe { base.add((*chunk).size) });
    let start = base.map_addr(|a| (a + align - 1) & !(align - 1));
    // SAFETY: the chunk holds at least size + align bytes of data.
    let end = unsafe { start.add(size) };
    arena.top.set(end);
    (
        start,
        SideRelease {
            end,
            prev_top,
            crossed,
        },
    )
}

/// Frees `chunk` and every cached chunk above it.
fn free_chain(mut chunk: *mut Chunk) {
    while !chunk.is_null() {
        // SAFETY: a live chunk of this arena, holding no future (it is above the top).
        unsafe {
            let next = (*chunk).next;
            dealloc(chunk.cast(), chunk_layout((*chunk).size));
            chunk = next;
        }
    }
}

/// Runs `task` with a fresh side stack installed on this thread, and frees it after.
fn with_arena<R>(task: impl FnOnce() -> R) -> R {
    struct Restore {
        saved: (*mut u8, *mut u8, *mut Chunk, bool),
    }
    impl Drop for Restore {
        fn drop(&mut self) {
            ARENA.with(|arena| {
                let mut chunk = arena.chunk.get();
                if !chunk.is_null() {
                    // SAFETY: walking down the live chunks of this task's arena.
                    unsafe {
                        while !(*chunk).prev.is_null() {
                            chunk = (*chunk).prev;
                        }
                    }
                    if arena.top.get() == data_of(chunk) {
                        free_chain(chunk);
                    }
                    // Else a future outlives its task: its chunks are leaked, so its
                    // memory stays valid (its release will then fail the LIFO check).
                }
                let (top, limit, chunk, in_task) = self.saved;
                arena.top.set(top);
                arena.limit.set(limit);
                arena.chunk.set(chunk);
                arena.in_task.set(in_task);
            })
        }
    }
    let _restore = ARENA.with(|arena| {
        let saved = (
            arena.top.get(),
            arena.limit.get(),
            arena.chunk.get(),
            arena.in_task.get(),
        );
        arena.top.set(ptr::null_mut());
        arena.limit.set(ptr::null_mut());
        arena.chunk.set(ptr::null_mut());
        arena.in_task.set(true);
        Restore { saved }
    });
    task()
}

impl Strategy for SideStack {
    const NAME: &'static str = "side_stack";
    const FAMILY: &'static str = "side_stack";
    const DESIGN: design_post::Entry = design_post::SIDE_STACK;
    const PLACEMENT: &'static str =
        "a per-task LIFO stack of the runtime (a thread-local arena installed by the task)";
    // The task's first chunk on the first call; none after.
    const TRAITS: StrategyTraits = StrategyTraits {
        lifo_only: true,
        needs_task_runtime: true,
        ..StrategyTraits::allocating(1, 0)
    };

    type ObjectState = ();
    type CallerStorage = ();
    type Handle<'a, T: 'a> = PlacedFuture<'a, T, SideRelease>;

    #[inline(always)]
    fn place<'a, T: 'a, F>(_: Pin<&'a ()>, _: Pin<&'a mut ()>, future: F) -> Self::Handle<'a, T>
    where
        F: Future<Output = T> + Send + 'a,
    {
        // At least one byte: every future gets its own address (the LIFO check).
        let (start, release) = push(size_of::<F>().max(1), align_of::<F>());
        let data = start.cast::<F>();
        // SAFETY: push returned size_of F bytes aligned for F, reserved for this future
        // until its release pops them.
        unsafe { data.write(future) };
        testbed_harness::frames::record(size_of::<F>());
        // SAFETY: F is live at data; the arena never moves or reuses it before the
        // release pops it (or leaks it with the task's chunks).
        unsafe { PlacedFuture::new(NonNull::new_unchecked(data), release) }
    }

    fn run_task<R>(task: impl FnOnce() -> R) -> R {
        with_arena(task)
    }
}
