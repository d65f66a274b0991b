//! Valgrind client requests, the few the passes use (the constants of
//! /usr/include/valgrind/valgrind.h, callgrind.h and memcheck.h): whether the program runs
//! under valgrind, callgrind's collection toggle and named dump, a monitor command
//! (massif's snapshot) and memcheck's "make defined". Outside valgrind a request is a
//! handful of no-op instructions and returns its default.

use std::ffi::CStr;

/// `VG_USERREQ__RUNNING_ON_VALGRIND`.
const RUNNING_ON_VALGRIND: usize = 0x1001;
/// `VG_USERREQ__GDB_MONITOR_COMMAND` (`VALGRIND_MONITOR_COMMAND`).
const GDB_MONITOR_COMMAND: usize = 0x1202;
/// `VG_USERREQ_TOOL_BASE('C','T')`: callgrind's requests start here.
const CALLGRIND_BASE: usize = (b'C' as usize) << 24 | (b'T' as usize) << 16;
/// `VG_USERREQ__TOGGLE_COLLECT` (base + 2) and `VG_USERREQ__DUMP_STATS_AT` (base + 3).
const CALLGRIND_TOGGLE_COLLECT: usize = CALLGRIND_BASE + 2;
const CALLGRIND_DUMP_STATS_AT: usize = CALLGRIND_BASE + 3;
/// `VG_USERREQ__MAKE_MEM_DEFINED` of memcheck.h (`VG_USERREQ_TOOL_BASE('M','C') + 2`).
const MEMCHECK_MAKE_MEM_DEFINED: usize = ((b'M' as usize) << 24 | (b'C' as usize) << 16) + 2;

/// One client request: `VALGRIND_DO_CLIENT_REQUEST_EXPR` of valgrind.h for amd64.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn client_request(default: usize, request: usize, arg1: usize, arg2: usize) -> usize {
    let args: [usize; 6] = [request, arg1, arg2, 0, 0, 0];
    let result: usize;
    // SAFETY: the "special instruction preamble" rotates rdi by 3+13+61+51 = 128 bits,
    // i.e. leaves it unchanged, and `xchg rbx, rbx` changes nothing: natively the block
    // only clobbers the flags (declared: no preserves_flags). Under valgrind the sequence
    // is recognised and replaced by the request, which reads the six words at rax (kept
    // alive by `args` across the asm; memory is not declared untouched) and writes its
    // result to rdx (preset to `default`). No stack is used.
    unsafe {
        std::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            inout("rdx") default => result,
            in("rax") args.as_ptr(),
            options(nostack),
        );
    }
    result
}

/// Elsewhere there is no valgrind support: every request returns its default.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn client_request(default: usize, _request: usize, _arg1: usize, _arg2: usize) -> usize {
    default
}

/// Whether the process runs under valgrind (`RUNNING_ON_VALGRIND`).
pub fn running_on_valgrind() -> bool {
    client_request(0, RUNNING_ON_VALGRIND, 0, 0) != 0
}

/// `CALLGRIND_TOGGLE_COLLECT`: the meter calls it at start and stop, so a callgrind run
/// with `--collect-atstart=no` counts only the measured loops.
#[inline(always)]
pub fn callgrind_toggle_collect() {
    client_request(0, CALLGRIND_TOGGLE_COLLECT, 0, 0);
}

/// `CALLGRIND_DUMP_STATS_AT(name)`: one dump per cell, named after it.
pub fn callgrind_dump_stats_at(name: &CStr) {
    client_request(0, CALLGRIND_DUMP_STATS_AT, name.as_ptr() as usize, 0);
}

/// `VALGRIND_MONITOR_COMMAND(command)` (massif: "snapshot <file>").
pub fn monitor_command(command: &CStr) {
    client_request(0, GDB_MONITOR_COMMAND, command.as_ptr() as usize, 0);
}

/// `VALGRIND_MAKE_MEM_DEFINED(start, len)`: tells memcheck the bytes hold defined values.
/// The stack probe scans a dead thread's stack, which memcheck marks inaccessible when
/// the thread's stack pointer leaves it, although the mapping is the probe's own and
/// every byte holds the paint or what the thread wrote.
pub fn make_mem_defined(start: *const u8, len: usize) {
    client_request(0, MEMCHECK_MAKE_MEM_DEFINED, start as usize, len);
}

#[cfg(test)]
mod tests {
    #[test]
    fn requests_are_harmless_natively() {
        // Not under valgrind in `cargo test`: the defaults come back, nothing breaks.
        if !super::running_on_valgrind() {
            super::callgrind_toggle_collect();
            super::callgrind_toggle_collect();
            super::callgrind_dump_stats_at(c"test");
        }
    }
}
