//! The measurement passes other than timing, chosen by scripts/matrix through the
//! environment exactly as for the C++ binaries (harness/bench_passes.hpp):
//!
//! - `TESTBED_ITERATIONS=N`: every cell runs exactly N iterations, one repetition
//!   (callgrind, massif and stack passes need a fixed amount of work);
//! - `TESTBED_STACK_PROBE=1`: every cell runs on a fresh thread whose 8 MiB stack is
//!   painted, and reports `stack_high_water_bytes`;
//! - `TESTBED_MASSIF_DIR=<dir>` under `valgrind --tool=massif`: every cell runs in a forked
//!   child, which asks massif for a snapshot of the heap it inherited (`<dir>/before.<pid>`)
//!   and writes its sequence number, cell and status to `<dir>/cell.<pid>`;
//! - `TESTBED_PROCESS_ALLOCATOR=mimalloc` (with `LD_PRELOAD` of mimalloc): rows run as
//!   "<row>_mimalloc".

use crate::sys;
use crate::valgrind;
use std::any::Any;
use std::ffi::{CString, c_void};
use std::io::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::OnceLock;

/// `TESTBED_ITERATIONS`, when set to a positive number.
pub fn fixed_iterations() -> Option<u64> {
    std::env::var("TESTBED_ITERATIONS")
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|&n| n > 0)
}

pub fn stack_probe_pass() -> bool {
    std::env::var_os("TESTBED_STACK_PROBE").is_some()
}

/// The stack the probe gives a cell: 8 MiB, the default main-thread size.
pub const PROBE_STACK_BYTES: usize = 8 * 1024 * 1024;

/// The massif pass's folder, when the process runs under valgrind.
pub fn massif_fork_dir() -> Option<String> {
    let dir = std::env::var("TESTBED_MASSIF_DIR").ok()?;
    valgrind::running_on_valgrind().then_some(dir)
}

/// The process allocator this run was started with, or None for the default.
pub fn process_allocator() -> Option<String> {
    std::env::var("TESTBED_PROCESS_ALLOCATOR")
        .ok()
        .filter(|s| !s.is_empty())
}

// Any byte value works; 0xA5 is unlikely to be written by chance.
const PAINT: u8 = 0xA5;

struct Job<'a> {
    body: &'a mut (dyn FnMut() + Send),
    panic: Option<Box<dyn Any + Send>>,
}

extern "C" fn probe_thread_entry(arg: *mut c_void) -> *mut c_void {
    // SAFETY: arg is the &mut Job that run_on_painted_stack passed to pthread_create; it
    // outlives this thread (the caller joins before returning) and nothing else touches
    // it meanwhile.
    let job = unsafe { &mut *arg.cast::<Job<'_>>() };
    // A panic must not unwind out of an extern "C" function: caught and rethrown by the
    // caller after the join.
    job.panic = catch_unwind(AssertUnwindSafe(|| (job.body)())).err();
    std::ptr::null_mut()
}

/// How many bytes at the start (the low end) of `stack` still hold the paint, compared a
/// word at a time: a byte at a time took about 30 million instructions per 8 MiB stack,
/// half a second each under valgrind, where W4's registration probes 32 such stacks.
fn painted_prefix(stack: &[u8]) -> usize {
    const WORD: usize = std::mem::size_of::<u64>();
    let painted_word = u64::from_ne_bytes([PAINT; WORD]);
    let words = stack
        .chunks_exact(WORD)
        .take_while(|w| u64::from_ne_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]) == painted_word)
        .count();
    let from = words * WORD;
    from + stack[from..].iter().take_while(|&&b| b == PAINT).count()
}

/// Runs `body` on a thread whose stack (`stack_size` bytes plus a guard page) is painted,
/// and returns how many bytes from the top of that stack it touched (including what the
/// thread library keeps there: subtract [`stack_overhead`]). A panic in `body` is resumed
/// here after the join.
pub fn run_on_painted_stack(stack_size: usize, body: &mut (dyn FnMut() + Send)) -> usize {
    let page = sys::page_size();
    let stack_size = stack_size.div_ceil(page) * page;
    let mapped = stack_size + page;
    // SAFETY: an anonymous private mapping of `mapped` bytes; no address hint.
    let base = unsafe {
        sys::mmap(
            std::ptr::null_mut(),
            mapped,
            sys::PROT_READ | sys::PROT_WRITE,
            sys::MAP_PRIVATE | sys::MAP_ANONYMOUS | sys::MAP_POPULATE,
            -1,
            0,
        )
    };
    assert!(
        base as isize != -1,
        "run_on_painted_stack: mmap of {mapped} bytes failed"
    );
    // SAFETY: the mapping is `mapped` bytes long, so `page` bytes in is inside it.
    let low = unsafe { base.cast::<u8>().add(page) };
    // SAFETY: the first page of our own mapping becomes the guard page below the stack.
    unsafe { sys::mprotect(base, page, sys::PROT_NONE) };
    {
        // SAFETY: [low, low + stack_size) is ours, readable and writable, and no other
        // reference to it exists yet.
        let stack = unsafe { std::slice::from_raw_parts_mut(low, stack_size) };
        stack.fill(PAINT);
    }
    let mut job = Job { body, panic: None };
    let mut attr = sys::PthreadAttr([0; 64]);
    let mut thread = 0u64;
    // SAFETY: attr is initialized before use and destroyed after; the stack is our mapping
    // (page aligned, at least PTHREAD_STACK_MIN); job outlives the thread, which is joined
    // below before job or the mapping go away.
    let rc = unsafe {
        sys::pthread_attr_init(&mut attr);
        sys::pthread_attr_setstack(&mut attr, low.cast(), stack_size);
        let rc = sys::pthread_create(
            &mut thread,
            &attr,
            probe_thread_entry,
            (&raw mut job).cast(),
        );
        sys::pthread_attr_destroy(&mut attr);
        if rc == 0 {
            sys::pthread_join(thread, std::ptr::null_mut());
        }
        rc
    };
    valgrind::make_mem_defined(low, stack_size);
    // SAFETY: the thread has been joined (or never started): the stack is ours again, and
    // every byte of it was initialized by the painting.
    let untouched = painted_prefix(unsafe { std::slice::from_raw_parts(low, stack_size) });
    // SAFETY: unmapping our own mapping, which nothing refers to any more.
    unsafe { sys::munmap(base, mapped) };
    assert_eq!(rc, 0, "run_on_painted_stack: pthread_create failed");
    if let Some(panic) = job.panic {
        resume_unwind(panic);
    }
    stack_size - untouched
}

/// What an empty function touches on the painted stack: the fixed overhead to subtract.
pub fn stack_overhead() -> usize {
    static OVERHEAD: OnceLock<usize> = OnceLock::new();
    *OVERHEAD.get_or_init(|| run_on_painted_stack(PROBE_STACK_BYTES, &mut || {}))
}

/// Runs `body` in a forked child under massif (see the module comment): the k-th child
/// runs the k-th cell of the JSON output (`sequence`). Returns false when the child
/// failed. `body` returns whether the cell succeeded.
pub fn run_in_massif_child(
    dir: &str,
    sequence: usize,
    name: &str,
    body: &mut dyn FnMut() -> bool,
) -> bool {
    // Nothing buffered may be written twice.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: the runner is single-threaded when it forks (cells run on the main thread),
    // so the child may use the heap and std freely; it leaves through _exit only.
    let child = unsafe { sys::fork() };
    if child == 0 {
        // Everything the child writes is prepared before the snapshot, so that the heap
        // it uses afterwards is the cell's alone.
        // SAFETY: getpid has no preconditions.
        let pid = unsafe { sys::getpid() };
        let marker_path = CString::new(format!("{dir}/cell.{pid}")).unwrap_or_default();
        let mut marker = format!("{sequence}\n{name}\n");
        marker.reserve(8);
        let snapshot = CString::new(format!("snapshot {dir}/before.{pid}")).unwrap_or_default();
        // The child inherits massif's record of the parent, whose peak may exceed anything
        // a small cell reaches; a ballast far above it (never touched: massif counts
        // requested bytes) makes every later peak the child's own (measure.py checks it).
        let ballast = std::hint::black_box(Vec::<u8>::with_capacity(16 << 20));
        valgrind::monitor_command(&snapshot);
        let ok = catch_unwind(AssertUnwindSafe(&mut *body)).unwrap_or(false);
        marker.push_str(if ok { "ok\n" } else { "error\n" }); // fits the reserved capacity
        std::mem::forget(ballast);
        // SAFETY: a valid C path and buffer; open/write, not std::fs: no heap after the
        // cell. _exit: no destructors, no flush, the parent owns the process state.
        unsafe {
            let fd = sys::open(
                marker_path.as_ptr(),
                sys::O_WRONLY | sys::O_CREAT | sys::O_TRUNC,
                0o644,
            );
            if fd >= 0 {
                sys::write(fd, marker.as_ptr().cast(), marker.len());
                sys::close(fd);
            }
            sys::_exit(0);
        }
    }
    let mut status = 0;
    // SAFETY: waiting for our own child, with a valid status pointer.
    let waited = child > 0 && unsafe { sys::waitpid(child, &mut status, 0) } == child;
    // WIFEXITED and WEXITSTATUS of glibc.
    waited && status & 0x7f == 0 && (status >> 8) & 0xff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_painted_prefix_ends_at_the_first_touched_byte() {
        let mut stack = vec![PAINT; 1000];
        assert_eq!(painted_prefix(&stack), 1000);
        for touched in [0, 7, 8, 13, 999] {
            let mut s = stack.clone();
            s[touched] = 0;
            assert_eq!(painted_prefix(&s), touched, "touched at {touched}");
        }
        stack.truncate(13); // not a whole number of words
        assert_eq!(painted_prefix(&stack), 13);
    }

    #[test]
    fn the_probe_sees_a_deep_frame() {
        let base = stack_overhead();
        let deep = run_on_painted_stack(PROBE_STACK_BYTES, &mut || {
            let buffer = std::hint::black_box([1u8; 64 * 1024]);
            std::hint::black_box(&buffer);
        });
        assert!(deep >= base + 64 * 1024, "{deep} vs {base}");
    }

    #[test]
    #[should_panic(expected = "inside the probe")]
    fn a_panic_comes_back() {
        run_on_painted_stack(PROBE_STACK_BYTES, &mut || panic!("inside the probe"));
    }
}
