//! The operating system: the few libc functions std does not wrap (declared here, since
//! std links libc anyway; Linux x86-64 glibc signatures), and the machine description the
//! JSON context carries (host, CPU, caches, kernel, dates), read from /proc and /sys.

use std::ffi::{CStr, c_char, c_int, c_long, c_void};
use std::fs;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `struct timespec` on 64-bit Linux.
#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

/// `pthread_attr_t` on x86-64 glibc is 56 bytes, aligned as a long: 64 leaves room.
#[repr(C, align(8))]
pub struct PthreadAttr(pub [u8; 64]);

pub const PROT_NONE: c_int = 0;
pub const PROT_READ: c_int = 1;
pub const PROT_WRITE: c_int = 2;
pub const MAP_PRIVATE: c_int = 0x02;
pub const MAP_ANONYMOUS: c_int = 0x20;
/// Fault every page in at once (one system call instead of a fault per page).
pub const MAP_POPULATE: c_int = 0x8000;
pub const O_WRONLY: c_int = 0o1;
pub const O_CREAT: c_int = 0o100;
pub const O_TRUNC: c_int = 0o1000;
const CLOCK_PROCESS_CPUTIME_ID: c_int = 2;
const SC_PAGESIZE: c_int = 30;

// SAFETY (of the declarations): each signature is the glibc one on x86-64 Linux, the only
// platform this testbed runs on; every call site states why its arguments are valid.
unsafe extern "C" {
    fn clock_gettime(clock: c_int, ts: *mut Timespec) -> c_int;
    pub fn fork() -> c_int;
    pub fn waitpid(pid: c_int, status: *mut c_int, options: c_int) -> c_int;
    pub fn _exit(status: c_int) -> !;
    pub fn getpid() -> c_int;
    pub fn open(path: *const c_char, flags: c_int, ...) -> c_int;
    pub fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
    pub fn close(fd: c_int) -> c_int;
    pub fn mmap(
        addr: *mut c_void,
        len: usize,
        prot: c_int,
        flags: c_int,
        fd: c_int,
        off: i64,
    ) -> *mut c_void;
    pub fn munmap(addr: *mut c_void, len: usize) -> c_int;
    pub fn mprotect(addr: *mut c_void, len: usize, prot: c_int) -> c_int;
    fn sysconf(name: c_int) -> c_long;
    pub fn pthread_attr_init(attr: *mut PthreadAttr) -> c_int;
    pub fn pthread_attr_setstack(attr: *mut PthreadAttr, stack: *mut c_void, size: usize) -> c_int;
    pub fn pthread_attr_destroy(attr: *mut PthreadAttr) -> c_int;
    pub fn pthread_create(
        thread: *mut u64,
        attr: *const PthreadAttr,
        start: extern "C" fn(*mut c_void) -> *mut c_void,
        arg: *mut c_void,
    ) -> c_int;
    pub fn pthread_join(thread: u64, result: *mut *mut c_void) -> c_int;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}

/// CPU time of the whole process (what Google Benchmark reports as cpu_time).
pub fn process_cpu_time() -> Duration {
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid, writable timespec; the clock id is Linux's process CPU clock.
    let rc = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The page size.
pub fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { sysconf(SC_PAGESIZE) };
    if size > 0 { size as usize } else { 4096 }
}

/// Whether a symbol is loaded in the process (`dlsym(RTLD_DEFAULT, name)`).
pub fn symbol_loaded(name: &CStr) -> bool {
    // SAFETY: RTLD_DEFAULT is the null handle; name is a valid C string.
    !unsafe { dlsym(std::ptr::null_mut(), name.as_ptr()) }.is_null()
}

fn read_trimmed(path: &str) -> Option<String> {
    fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

pub fn host_name() -> String {
    read_trimmed("/proc/sys/kernel/hostname").unwrap_or_else(|| "unknown".into())
}

/// `uname` system, release and machine, as harness/bench_main.cpp writes them.
pub fn kernel() -> String {
    match (
        read_trimmed("/proc/sys/kernel/ostype"),
        read_trimmed("/proc/sys/kernel/osrelease"),
    ) {
        (Some(system), Some(release)) => format!("{system} {release} {}", std::env::consts::ARCH),
        _ => "unknown".into(),
    }
}

fn cpuinfo() -> String {
    fs::read_to_string("/proc/cpuinfo").unwrap_or_default()
}

fn cpuinfo_field(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

pub fn cpu_model() -> String {
    cpuinfo_field(&cpuinfo(), "model name").unwrap_or_else(|| "unknown".into())
}

/// Logical CPUs (Google Benchmark counts /proc/cpuinfo's processors).
pub fn num_cpus() -> usize {
    let n = cpuinfo()
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    if n > 0 {
        n
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Nominal MHz as Google Benchmark reports it (/proc/cpuinfo "cpu MHz", truncated).
pub fn mhz_per_cpu() -> i64 {
    if let Some(mhz) = cpuinfo_field(&cpuinfo(), "cpu MHz").and_then(|v| v.parse::<f64>().ok()) {
        return mhz as i64;
    }
    read_trimmed("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
        .and_then(|v| v.parse::<i64>().ok())
        .map_or(0, |khz| khz / 1000)
}

/// Google Benchmark's check: a frequency governor other than "performance".
pub fn cpu_scaling_enabled() -> bool {
    read_trimmed("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
        .is_some_and(|g| g != "performance")
}

/// One CPU cache as Google Benchmark lists it.
pub struct Cache {
    pub kind: String,
    pub level: i64,
    pub size: i64,
    pub num_sharing: i64,
}

pub fn caches() -> Vec<Cache> {
    let mut out = Vec::new();
    for index in 0.. {
        let dir = format!("/sys/devices/system/cpu/cpu0/cache/index{index}");
        let Some(kind) = read_trimmed(&format!("{dir}/type")) else {
            break;
        };
        let level = read_trimmed(&format!("{dir}/level"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let size = read_trimmed(&format!("{dir}/size")).map_or(0, |s| {
            let (digits, scale) = match s.chars().last() {
                Some('K') => (&s[..s.len() - 1], 1024),
                Some('M') => (&s[..s.len() - 1], 1024 * 1024),
                _ => (&s[..], 1),
            };
            digits.parse::<i64>().map_or(0, |d| d * scale)
        });
        let num_sharing = read_trimmed(&format!("{dir}/shared_cpu_list")).map_or(1, |list| {
            list.split(',')
                .map(|part| match part.split_once('-') {
                    Some((a, b)) => {
                        b.parse::<i64>().unwrap_or(0) - a.parse::<i64>().unwrap_or(0) + 1
                    }
                    None => 1,
                })
                .sum()
        });
        out.push(Cache {
            kind,
            level,
            size,
            num_sharing,
        });
    }
    out
}

pub fn load_average() -> Vec<f64> {
    read_trimmed("/proc/loadavg")
        .map(|s| {
            s.split_whitespace()
                .take(3)
                .filter_map(|v| v.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// (year, month, day, hour, minute, second) in UTC.
fn utc_now() -> (i64, u32, u32, u32, u32, u32) {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
    )
}

/// Google Benchmark's context date ("2026-11-26T02:58:20+00:00"), in UTC.
pub fn date_with_offset() -> String {
    let (y, mo, d, h, mi, s) = utc_now();
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+00:00")
}

/// testbed_date_utc ("2026-11-26T02:58:20Z").
pub fn date_utc() -> String {
    let (y, mo, d, h, mi, s) = utc_now();
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    #[test]
    fn machine_description_is_readable() {
        assert!(super::num_cpus() >= 1);
        assert!(super::process_cpu_time() > std::time::Duration::ZERO);
        let date = super::date_utc();
        assert_eq!(date.len(), 20, "{date}");
        assert!(date.starts_with("20"));
    }
}
