//! `side_stack`: every call's future pushed onto the running task's side stack, a LIFO
//! arena in the style of vuot/reblessive (and of the C++ row, libfork's stacklets, Swift's
//! task allocator): a push bumps a pointer, dropping the newest future pops it. The task's
//! runtime installs the arena (`Strategy::run_task`, around the task's `block_on`); a call
//! outside a task is refused, and so is releasing a future that is not the newest one (a
//! non-LIFO release): both panic with a message saying so.
//!
//! **The trampoline (vuot's design).** A Rust future polls the future it awaits on the
//! native stack, so a recursion of N levels through `.await` is N nested `poll` calls: the
//! native stack, not the heap, bounds its depth. The side stack's futures are therefore
//! not polled by the future that awaits them but by the task's driver: the first poll of a
//! handle links its future on top of the task's stack of running futures and, when a
//! driver is running, returns `Pending` to it; the driver always polls the newest running
//! future, and when that one finishes it stores the output where the awaiting handle finds
//! it, unlinks it, and polls the one below, whose handle now returns the output. The
//! driver is the outermost handle's poll (the first side-stack future a poll of the task
//! reaches), so no executor support is needed beyond `run_task`. A recursion of any depth
//! then runs on a flat native stack (recursion_chain to 1,048,576 levels).
//!
//! The arena grows in chunks (4 KiB, then doubling); a chunk emptied by pops stays linked
//! above the current one and is reused by the next push that crosses the boundary, so a
//! task that recurses deep again and again allocates its chunks once. The chunks are freed
//! when the task ends (or leaked, if a future escaped the task).

use crate::Strategy;
use crate::erased::Release;
use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::{MaybeUninit, align_of, size_of};
use std::pin::Pin;
use std::ptr::{self, NonNull};
use std::task::{Context, Poll};
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
    /// The newest running future (the top of the driver's stack), or null.
    running: Cell<*mut FrameHeader>,
    /// Whether a driver is polling the running futures (a handle's poll then only links
    /// its future and returns Pending to it).
    driving: Cell<bool>,
}

thread_local! {
    static ARENA: Arena = const {
        Arena {
            top: Cell::new(ptr::null_mut()),
            limit: Cell::new(ptr::null_mut()),
            chunk: Cell::new(ptr::null_mut()),
            in_task: Cell::new(false),
            running: Cell::new(ptr::null_mut()),
            driving: Cell::new(false),
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
        saved: (*mut u8, *mut u8, *mut Chunk, bool, *mut FrameHeader, bool),
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
                let (top, limit, chunk, in_task, running, driving) = self.saved;
                arena.top.set(top);
                arena.limit.set(limit);
                arena.chunk.set(chunk);
                arena.in_task.set(in_task);
                arena.running.set(running);
                arena.driving.set(driving);
            })
        }
    }
    let _restore = ARENA.with(|arena| {
        let saved = (
            arena.top.get(),
            arena.limit.get(),
            arena.chunk.get(),
            arena.in_task.get(),
            arena.running.get(),
            arena.driving.get(),
        );
        arena.top.set(ptr::null_mut());
        arena.limit.set(ptr::null_mut());
        arena.chunk.set(ptr::null_mut());
        arena.in_task.set(true);
        arena.running.set(ptr::null_mut());
        arena.driving.set(false);
        Restore { saved }
    });
    task()
}

impl Strategy for SideStack {
    const NAME: &'static str = "side_stack";
    const FAMILY: &'static str = "side_stack";
    const DESIGN: design_post::Entry = design_post::SIDE_STACK;
    const PLACEMENT: &'static str =
        "a per-task LIFO stack of the runtime (a thread-local arena installed by the task), its futures polled by the task's trampoline";
    // The task's first chunk on the first call; none after.
    const TRAITS: StrategyTraits = StrategyTraits {
        lifo_only: true,
        needs_task_runtime: true,
        ..StrategyTraits::allocating(1, 0)
    };

    type ObjectState = ();
    type CallerStorage = ();
    type Handle<'a, T: 'a> = SideFuture<'a, T>;

    #[inline(always)]
    fn place<'a, T: 'a, F>(_: Pin<&'a ()>, _: Pin<&'a mut ()>, future: F) -> Self::Handle<'a, T>
    where
        F: Future<Output = T> + Send + 'a,
    {
        let (start, release) = push(size_of::<Frame<F>>(), align_of::<Frame<F>>());
        let frame = start.cast::<Frame<F>>();
        // SAFETY: push returned size_of Frame<F> bytes aligned for it, reserved for this
        // future until its release pops them.
        unsafe {
            frame.write(Frame {
                header: FrameHeader {
                    below: ptr::null_mut(),
                    poll: poll_frame::<F>,
                    linked: false,
                    live: true,
                },
                output: None,
                future: MaybeUninit::new(future),
            })
        };
        testbed_harness::frames::record(size_of::<F>());
        SideFuture {
            // SAFETY: inside the frame just written (non-null).
            frame: unsafe { NonNull::new_unchecked(frame.cast::<FrameHeader>()) },
            output: unsafe { NonNull::new_unchecked(&raw mut (*frame).output) },
            drop_frame: drop_frame::<F>,
            release,
            _borrow: PhantomData,
        }
    }

    fn run_task<R>(task: impl FnOnce() -> R) -> R {
        with_arena(task)
    }
}

/// What the driver knows of a future on the side stack (the start of its `Frame`).
#[repr(C)]
struct FrameHeader {
    /// The running future below this one on the driver's stack.
    below: *mut FrameHeader,
    /// Polls the future; when it finishes, stores its output, drops it, and returns true.
    poll: unsafe fn(*mut FrameHeader, &mut Context<'_>) -> bool,
    /// Whether it is on the driver's stack (linked by its handle's first poll, unlinked
    /// when it finishes).
    linked: bool,
    /// Whether the future is still alive (it is dropped as soon as it finishes).
    live: bool,
}

/// A future on the side stack, with the slot its output goes to.
#[repr(C)]
struct Frame<F: Future> {
    header: FrameHeader,
    output: Option<F::Output>,
    future: MaybeUninit<F>,
}

/// # Safety
/// `header` starts a live `Frame<F>` at a stable address.
unsafe fn poll_frame<F: Future>(header: *mut FrameHeader, cx: &mut Context<'_>) -> bool {
    // SAFETY: the caller's guarantee; the future is pinned in the arena and live (a
    // finished future is unlinked, so never polled again).
    unsafe {
        let frame = &mut *header.cast::<Frame<F>>();
        match Pin::new_unchecked(frame.future.assume_init_mut()).poll(cx) {
            Poll::Ready(value) => {
                frame.header.live = false;
                frame.future.assume_init_drop();
                frame.output = Some(value);
                true
            }
            Poll::Pending => false,
        }
    }
}

/// # Safety
/// `header` starts a `Frame<F>` that is not used afterwards.
unsafe fn drop_frame<F: Future>(header: *mut FrameHeader) {
    // SAFETY: the caller's guarantee.
    unsafe {
        let frame = &mut *header.cast::<Frame<F>>();
        if frame.header.live {
            frame.header.live = false;
            frame.future.assume_init_drop();
        }
        frame.output = None;
    }
}

/// The handle of a future on the side stack: what a side-stack call returns.
#[must_use = "futures do nothing unless awaited"]
pub struct SideFuture<'a, T> {
    frame: NonNull<FrameHeader>,
    output: NonNull<Option<T>>,
    drop_frame: unsafe fn(*mut FrameHeader),
    release: SideRelease,
    // The future may borrow anything that lives for 'a.
    _borrow: PhantomData<&'a ()>,
}

impl<T> Unpin for SideFuture<'_, T> {}

impl<T> Future for SideFuture<'_, T> {
    type Output = T;
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        // SAFETY: the frame lives in the arena until this handle is dropped.
        unsafe {
            if let Some(value) = (*this.output.as_ptr()).take() {
                return Poll::Ready(value);
            }
            let frame = this.frame.as_ptr();
            ARENA.with(|arena| {
                if !(*frame).linked {
                    assert!((*frame).live, "side_stack: a finished future was polled again");
                    (*frame).below = arena.running.get();
                    (*frame).linked = true;
                    arena.running.set(frame);
                }
                if arena.driving.get() {
                    // The driver polls the newest running future: this one.
                    return Poll::Pending;
                }
                if drive(arena, frame, cx) {
                    Poll::Ready((*this.output.as_ptr()).take().expect("a finished future's output"))
                } else {
                    Poll::Pending
                }
            })
        }
    }
}

/// The task's driver: polls the newest running future until `me` finishes (true) or the
/// newest one is pending without having started another (a real suspension: false).
/// Futures it finishes on the way (others' calls above `me`) leave their outputs for
/// their handles.
fn drive(arena: &Arena, me: *mut FrameHeader, cx: &mut Context<'_>) -> bool {
    struct Driving<'a>(&'a Cell<bool>);
    impl Drop for Driving<'_> {
        fn drop(&mut self) {
            self.0.set(false);
        }
    }
    arena.driving.set(true);
    let _driving = Driving(&arena.driving);
    loop {
        let top = arena.running.get();
        // SAFETY: a linked frame is live in the arena (its handle unlinks it before
        // dropping it).
        unsafe {
            if ((*top).poll)(top, cx) {
                arena.running.set((*top).below);
                (*top).linked = false;
                if top == me {
                    return true;
                }
            } else if arena.running.get() == top {
                return false;
            }
        }
    }
}

impl<T> Drop for SideFuture<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        let frame = self.frame.as_ptr();
        // SAFETY: the frame is live in the arena until the release below pops it.
        unsafe {
            if (*frame).linked {
                unlink(frame);
            }
            (self.drop_frame)(frame);
        }
        self.release.release();
    }
}

/// Takes a future that is dropped before it finished off the driver's stack.
#[cold]
#[inline(never)]
fn unlink(frame: *mut FrameHeader) {
    ARENA.with(|arena| {
        // SAFETY: walking the linked (live) frames of this task.
        unsafe {
            if arena.running.get() == frame {
                arena.running.set((*frame).below);
            } else {
                let mut above = arena.running.get();
                while !above.is_null() && (*above).below != frame {
                    above = (*above).below;
                }
                if !above.is_null() {
                    (*above).below = (*frame).below;
                }
            }
            (*frame).linked = false;
        }
    })
}
