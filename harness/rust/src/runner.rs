//! The benchmark runner of a Rust benchmark binary: it accepts the Google Benchmark flags
//! `scripts/matrix` and `scripts/py/*.py` pass, runs the selected cells as Google
//! Benchmark 1.7 does (the iteration count grows in the first repetition until a run
//! lasts `--benchmark_min_time`, later repetitions reuse it; repetitions interleaved in
//! random order when asked), and writes Google Benchmark's JSON shape with the testbed's
//! context (provenance and the row manifest), so the scripts read it unchanged.
//!
//! Cells are named "<workload>/<row>/<args>" and reported as
//! "<workload>/<row>/<args>[/iterations:N]/real_time" (every cell is timed by the wall
//! clock; "/iterations:N" when TESTBED_ITERATIONS fixes the count).

use crate::filter::Filter;
use crate::json::Value;
use crate::manifest::{RowDescription, manifest_json};
use crate::meter::{Counters, Sample};
use crate::metrics::{self, Metric};
use crate::{COUNTING, passes, sys, valgrind};
use std::collections::BTreeMap;
use std::ffi::CString;
use std::io::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The `main` of a benchmark binary: `bench_main!(registry())` runs the registry's cells
/// with the build's provenance, which the bench crate's build script (harness/rust/
/// bench_build.rs) puts in its environment at compile time.
#[macro_export]
macro_rules! bench_main {
    ($registry:expr) => {
        fn main() -> ::std::process::ExitCode {
            const BUILD: $crate::runner::BuildInfo = $crate::runner::BuildInfo {
                compiler: env!("TESTBED_RUST_COMPILER"),
                flags: env!("TESTBED_RUST_FLAGS"),
                build_type: env!("TESTBED_RUST_BUILD_TYPE"),
                git_revision: env!("TESTBED_GIT_REVISION"),
            };
            $crate::runner::main($registry, &BUILD)
        }
    };
}

/// What the composition root knows about its build (captured by its build script).
#[derive(Clone, Debug)]
pub struct BuildInfo {
    /// `rustc --version`.
    pub compiler: &'static str,
    /// The profile's settings and any RUSTFLAGS.
    pub flags: &'static str,
    /// "Release" for an optimized build.
    pub build_type: &'static str,
    pub git_revision: &'static str,
}

/// A cell's body: runs `iterations` passes of its loop and returns what its meter measured.
pub type CellBody = Box<dyn FnMut(u64) -> Sample + Send>;

struct Cell {
    /// "<workload>/<row>/<args>".
    base: String,
    /// `Err(reason)`: the row cannot serve the workload ("unsupported: <reason>").
    body: Result<CellBody, String>,
    /// Runs once: one iteration, one repetition, whatever the options (`register_once`).
    once: bool,
}

impl Cell {
    /// The cell's name in the output: its base and Google Benchmark's suffixes for
    /// `suffix` (the options' fixed iterations, if any, and "/real_time"), or those of a
    /// cell fixed at one iteration and one repetition.
    fn run_name(&self, suffix: &str) -> String {
        if self.once {
            format!("{}/iterations:1/repeats:1/real_time", self.base)
        } else {
            format!("{}{suffix}", self.base)
        }
    }

    /// Its repetitions: the options' `repetitions`, or 1 for a cell that runs once.
    fn repetitions(&self, repetitions: u64) -> u64 {
        if self.once { 1 } else { repetitions }
    }
}

/// The cells and rows of a benchmark binary, registered by its composition root.
pub struct Registry {
    cells: Vec<Cell>,
    rows: Vec<RowDescription>,
    metrics: Vec<&'static Metric>,
    allocator: Option<String>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    pub fn new() -> Self {
        let mut metrics: Vec<&'static Metric> = metrics::COMMON.to_vec();
        metrics.dedup_by_key(|m| m.name);
        Registry {
            cells: Vec::new(),
            rows: Vec::new(),
            metrics,
            allocator: passes::process_allocator(),
        }
    }

    /// A metric a workload writes besides the common ones (workload_metric in C++).
    pub fn declare_metric(&mut self, metric: &'static Metric) {
        if !self.metrics.iter().any(|m| m.name == metric.name) {
            self.metrics.push(metric);
        }
    }

    fn declare_row(&mut self, row: RowDescription) -> String {
        let row = match &self.allocator {
            Some(allocator) => row.under_allocator(allocator),
            None => row,
        };
        let name = row.name.clone();
        match self.rows.iter().find(|r| r.name == row.name) {
            Some(known) if !known.same_row(&row) => {
                panic!(
                    "testbed: row '{}' is declared twice with different descriptions",
                    row.name
                )
            }
            Some(_) => {}
            None => self.rows.push(row),
        }
        name
    }

    /// Registers the cell "<workload>/<row>/<args>"; `args` are (name, value) pairs
    /// written "name:value" and joined with '/'.
    pub fn register(
        &mut self,
        workload: &str,
        row: RowDescription,
        args: &[(&str, i64)],
        body: impl FnMut(u64) -> Sample + Send + 'static,
    ) {
        let name = self.declare_row(row);
        self.cells.push(Cell {
            base: cell_name(workload, &name, args),
            body: Ok(Box::new(body)),
            once: false,
        });
    }

    /// Registers a cell that runs once, one iteration and one repetition, whatever the
    /// options (Google Benchmark's `->Iterations(1)->Repetitions(1)`, named as it names such
    /// a cell: "<base>/iterations:1/repeats:1/real_time"): a search whose one run is its
    /// result, such as the overflow depth, which repetitions would only repeat.
    pub fn register_once(
        &mut self,
        workload: &str,
        row: RowDescription,
        args: &[(&str, i64)],
        body: impl FnMut(u64) -> Sample + Send + 'static,
    ) {
        self.register(workload, row, args, body);
        if let Some(cell) = self.cells.last_mut() {
            cell.once = true;
        }
    }

    /// Registers a cell that the row cannot serve: it reports "unsupported: <reason>".
    pub fn register_unsupported(
        &mut self,
        workload: &str,
        row: RowDescription,
        args: &[(&str, i64)],
        reason: &str,
    ) {
        let name = self.declare_row(row);
        self.cells.push(Cell {
            base: cell_name(workload, &name, args),
            body: Err(format!("unsupported: {reason}")),
            once: false,
        });
    }

    /// The names of every registered cell, "<workload>/<row>/<args>".
    pub fn cell_names(&self) -> Vec<String> {
        self.cells.iter().map(|c| c.base.clone()).collect()
    }

    pub fn rows(&self) -> &[RowDescription] {
        &self.rows
    }

    /// The manifest JSON of every registered row and declared metric.
    pub fn manifest(&self) -> String {
        manifest_json(&self.rows, self.metrics.iter().copied())
    }
}

fn cell_name(workload: &str, row: &str, args: &[(&str, i64)]) -> String {
    let mut name = format!("{workload}/{row}");
    for (arg, value) in args {
        name.push_str(&format!("/{arg}:{value}"));
    }
    name
}

const USAGE: &str = "\
benchmark [--benchmark_list_tests={true|false}]
          [--benchmark_filter=<regex>]
          [--benchmark_min_time=<min_time>]
          [--benchmark_repetitions=<num_repetitions>]
          [--benchmark_enable_random_interleaving={true|false}]
          [--benchmark_report_aggregates_only={true|false}]
          [--benchmark_display_aggregates_only={true|false}]
          [--benchmark_format=<console|json>]
          [--benchmark_out=<filename>]
          [--benchmark_out_format=<json>]
          [--benchmark_context=<key>=<value>,...]
          [--v=<verbosity>]

A Rust benchmark binary of the async-dispatch testbed: the Google Benchmark flags above,
read the same way (the filter is a POSIX extended regex searched in each cell's name;
see harness/rust/src/filter.rs for the subset). The environment chooses the passes:
TESTBED_ITERATIONS=N (every cell runs exactly N iterations), TESTBED_STACK_PROBE=1
(painted-stack high-water), TESTBED_MASSIF_DIR (massif child per cell, under valgrind),
TESTBED_PROCESS_ALLOCATOR=mimalloc (rows renamed <row>_mimalloc; mimalloc must be
preloaded). Under callgrind, collection is toggled around each measured loop and each
cell ends with a dump named after it.
";

#[derive(Debug)]
struct Options {
    list: bool,
    filter: String,
    min_time: f64,
    /// "--benchmark_min_time=<N>x": a fixed iteration count (Google Benchmark 1.8).
    min_iterations: Option<u64>,
    repetitions: u64,
    interleave: bool,
    report_aggregates_only: bool,
    display_aggregates_only: bool,
    format: String,
    out: Option<String>,
    out_format: String,
    context: Vec<(String, String)>,
}

fn parse_bool(flag: &str, value: Option<&str>) -> Result<bool, String> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("true" | "yes" | "1" | "t" | "y") => Ok(true),
        Some("false" | "no" | "0" | "f" | "n") => Ok(false),
        Some(other) => Err(format!("{flag}: '{other}' is not a boolean")),
    }
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        list: false,
        filter: String::new(),
        min_time: 0.5,
        min_iterations: None,
        repetitions: 1,
        interleave: false,
        report_aggregates_only: false,
        display_aggregates_only: false,
        format: "console".into(),
        out: None,
        out_format: "json".into(),
        context: Vec::new(),
    };
    for arg in args {
        let (flag, value) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v)),
            None => (arg.as_str(), None),
        };
        let need = |value: Option<&str>| {
            value
                .map(str::to_string)
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag {
            "--benchmark_list_tests" => o.list = parse_bool(flag, value)?,
            "--benchmark_filter" => o.filter = need(value)?,
            "--benchmark_min_time" => {
                let v = need(value)?;
                if let Some(n) = v.strip_suffix('x') {
                    o.min_iterations = Some(
                        n.parse()
                            .map_err(|_| format!("{flag}: bad iteration count '{v}'"))?,
                    );
                } else {
                    let seconds = v.strip_suffix('s').unwrap_or(&v);
                    o.min_time = seconds
                        .parse()
                        .map_err(|_| format!("{flag}: '{v}' is not a number of seconds"))?;
                    if o.min_time.is_nan() || o.min_time <= 0.0 {
                        return Err(format!("{flag} must be positive, not '{v}'"));
                    }
                }
            }
            "--benchmark_repetitions" => {
                let v = need(value)?;
                o.repetitions = v
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("{flag}: '{v}' is not a positive integer"))?;
            }
            "--benchmark_enable_random_interleaving" => o.interleave = parse_bool(flag, value)?,
            "--benchmark_report_aggregates_only" => {
                o.report_aggregates_only = parse_bool(flag, value)?
            }
            "--benchmark_display_aggregates_only" => {
                o.display_aggregates_only = parse_bool(flag, value)?
            }
            "--benchmark_format" => o.format = need(value)?,
            "--benchmark_out" => o.out = Some(need(value)?),
            "--benchmark_out_format" => o.out_format = need(value)?,
            "--benchmark_context" => {
                // "k=v,k=v"; a piece without '=' belongs to the previous value (a comma
                // inside a value, e.g. a recorded command line).
                for piece in need(value)?.split(',') {
                    match piece.split_once('=') {
                        Some((k, v)) => o.context.push((k.to_string(), v.to_string())),
                        None => match o.context.last_mut() {
                            Some((_, v)) => {
                                v.push(',');
                                v.push_str(piece);
                            }
                            None => return Err(format!("{flag}: '{piece}' is not key=value")),
                        },
                    }
                }
            }
            "--v" | "--benchmark_color" | "--benchmark_counters_tabular" => {}
            _ => return Err(format!("unrecognized command-line flag: {arg}")),
        }
    }
    if o.format != "console" && o.format != "json" {
        return Err(format!(
            "--benchmark_format={} is not supported (console or json)",
            o.format
        ));
    }
    if o.out_format != "json" {
        return Err(format!(
            "--benchmark_out_format={} is not supported (json only)",
            o.out_format
        ));
    }
    Ok(o)
}

/// Google Benchmark's limit on a run's iterations.
const MAX_ITERATIONS: u64 = 1_000_000_000;

/// The next iteration count of the sizing (Google Benchmark 1.7, PredictNumItersNeeded).
fn predict_iterations(iterations: u64, seconds: f64, min_time: f64) -> u64 {
    let mut multiplier = min_time * 1.4 / seconds.max(1e-9);
    // Less than 10% of min_time: grow tenfold at most.
    if seconds / min_time <= 0.1 {
        multiplier = 10.0;
    }
    let next = (multiplier * iterations as f64)
        .round()
        .max(iterations as f64 + 1.0);
    (next as u64).min(MAX_ITERATIONS)
}

/// A small PRNG for the interleaving (std has no random numbers): xorshift64*, seeded
/// from the clock and the process id.
struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Rng((nanos ^ (u64::from(std::process::id()) << 32)) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// The prefix of a cell body's panic that skips the cell rather than failing it.
pub const SKIPPED: &str = "skipped: ";

/// Skips the running cell (its JSON entry's error_message is "skipped: <why>"), as a cell
/// that cannot be measured under the current pass (valgrind) does in C++.
pub fn skip_cell(why: &str) -> ! {
    std::panic::panic_any(format!("{SKIPPED}{why}"))
}

/// One repetition's result: a sample, or the cell's error message.
type Outcome = Result<Sample, String>;

struct Passes {
    fixed_iterations: Option<u64>,
    stack_probe: bool,
    massif_dir: Option<String>,
    on_valgrind: bool,
    massif_cells: usize,
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// One run of a cell's body with `iterations`, under the pass the environment chose.
fn run_once(cell: &mut Cell, iterations: u64, passes: &mut Passes) -> Outcome {
    let outcome = match &mut cell.body {
        Ok(body) => run_body(body, &cell.base, iterations, passes),
        Err(reason) => {
            // The massif pass pairs a child with every cell of the JSON output: an
            // unsupported cell has one too, which reports an error.
            if let Some(dir) = &passes.massif_dir {
                let sequence = passes.massif_cells;
                passes.massif_cells += 1;
                passes::run_in_massif_child(dir, sequence, &cell.base, &mut || false);
            }
            Err(reason.clone())
        }
    };
    // Every cell run ends with its dump, an unsupported one too (an empty one): measure.py
    // pairs the dumps with the cells of the JSON output, as for the C++ binaries.
    if passes.on_valgrind {
        let name = CString::new(cell.base.as_str()).unwrap_or_default();
        valgrind::callgrind_dump_stats_at(&name);
    }
    outcome
}

fn run_body(body: &mut CellBody, base: &str, iterations: u64, passes: &mut Passes) -> Outcome {
    if passes.stack_probe {
        let overhead = passes::stack_overhead();
        let mut result: Option<Outcome> = None;
        let high_water = passes::run_on_painted_stack(passes::PROBE_STACK_BYTES, &mut || {
            result = Some(
                catch_unwind(AssertUnwindSafe(|| body(iterations))).map_err(|p| panic_message(&*p)),
            );
        });
        result
            .unwrap_or_else(|| Err("failed: the stack probe did not run the cell".into()))
            .map(|mut s| {
                s.set(
                    &metrics::STACK_HIGH_WATER_BYTES,
                    high_water.saturating_sub(overhead) as f64,
                );
                s
            })
    } else if let Some(dir) = &passes.massif_dir {
        let sequence = passes.massif_cells;
        passes.massif_cells += 1;
        let mut calls = 1;
        let started = std::time::Instant::now();
        let ok = passes::run_in_massif_child(dir, sequence, base, &mut || {
            let sample = body(iterations);
            calls = sample.calls_per_iter;
            true
        });
        if ok {
            // The child ran the cell; the parent reports the iterations it ran.
            let mut s = Sample {
                iterations,
                real: started.elapsed(),
                cpu: Duration::ZERO,
                calls_per_iter: calls,
                counters: Counters::default(),
            };
            s.set(&metrics::CALLS_PER_ITER, calls as f64);
            Ok(s)
        } else {
            Err("failed: the massif child of this cell failed".into())
        }
    } else {
        catch_unwind(AssertUnwindSafe(|| body(iterations))).map_err(|p| {
            // A body that panics with "skipped: <why>" skips itself (C++ SkipWithError
            // with that message); any other panic is a failure.
            let message = panic_message(&*p);
            if message.starts_with(SKIPPED) {
                message
            } else {
                format!("failed: {message}")
            }
        })
    }
}

/// The entries of one cell once all its repetitions ran, as Google Benchmark 1.7 writes
/// them: one "iteration" entry per repetition, then the aggregates.
fn cell_entries(
    run_name: &str,
    family_index: usize,
    repetitions: u64,
    outcomes: &[Outcome],
) -> Vec<Value> {
    let head = |name: &str, run_type: &str| {
        let mut v = Value::object();
        v.set("name", name)
            .set("family_index", family_index)
            .set("per_family_instance_index", 0i64)
            .set("run_name", run_name)
            .set("run_type", run_type)
            .set("repetitions", repetitions);
        v
    };
    let mut entries = Vec::new();
    for (index, outcome) in outcomes.iter().enumerate() {
        let mut v = head(run_name, "iteration");
        v.set("repetition_index", index).set("threads", 1i64);
        match outcome {
            Err(message) => {
                v.set("error_occurred", true)
                    .set("error_message", message.as_str())
                    .set("iterations", 1i64)
                    .set("real_time", 0.0)
                    .set("cpu_time", 0.0)
                    .set("time_unit", "ns");
            }
            Ok(s) => {
                let per_iteration =
                    |d: Duration| d.as_secs_f64() * 1e9 / s.iterations.max(1) as f64;
                v.set("iterations", s.iterations)
                    .set("real_time", per_iteration(s.real))
                    .set("cpu_time", per_iteration(s.cpu))
                    .set("time_unit", "ns");
                let counters: BTreeMap<&str, f64> = s.counters.iter().copied().collect();
                for (name, value) in counters {
                    v.set(name, value);
                }
            }
        }
        entries.push(v);
    }
    let samples: Vec<&Sample> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
    if repetitions < 2 || samples.len() != outcomes.len() {
        return entries;
    }
    // The aggregates: mean, median, stddev and cv of times and counters.
    let times = |f: &dyn Fn(&Sample) -> f64| samples.iter().map(|s| f(s)).collect::<Vec<f64>>();
    let real = times(&|s| s.real.as_secs_f64() * 1e9 / s.iterations.max(1) as f64);
    let cpu = times(&|s| s.cpu.as_secs_f64() * 1e9 / s.iterations.max(1) as f64);
    let names: Vec<&str> = {
        let set: BTreeMap<&str, ()> = samples
            .iter()
            .flat_map(|s| s.counters.iter().map(|(n, _)| (*n, ())))
            .collect();
        set.into_keys().collect()
    };
    let counter = |name: &str| -> Vec<f64> {
        samples
            .iter()
            .map(|s| s.counters.get(name).unwrap_or(0.0))
            .collect()
    };
    type Statistic = fn(&[f64]) -> f64;
    let stats: [(&str, &str, Statistic); 4] = [
        ("mean", "time", mean),
        ("median", "time", median),
        ("stddev", "time", stddev),
        ("cv", "percentage", cv),
    ];
    for (aggregate, unit, f) in stats {
        let mut v = head(&format!("{run_name}_{aggregate}"), "aggregate");
        v.set("threads", 1i64)
            .set("aggregate_name", aggregate)
            .set("aggregate_unit", unit)
            .set("iterations", samples.len())
            .set("real_time", f(&real))
            .set("cpu_time", f(&cpu))
            .set("time_unit", "ns");
        for name in &names {
            v.set(name, f(&counter(name)));
        }
        entries.push(v);
    }
    entries
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn stddev(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = mean(v);
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

fn cv(v: &[f64]) -> f64 {
    let m = mean(v);
    if m == 0.0 { 0.0 } else { stddev(v) / m }
}

fn context(registry: &Registry, build: &BuildInfo, options: &Options, allocator: &str) -> Value {
    let mut c = Value::object();
    c.set("date", sys::date_with_offset())
        .set("host_name", sys::host_name())
        .set(
            "executable",
            std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        )
        .set("num_cpus", sys::num_cpus())
        .set("mhz_per_cpu", sys::mhz_per_cpu())
        .set("cpu_scaling_enabled", sys::cpu_scaling_enabled());
    let caches: Vec<Value> = sys::caches()
        .into_iter()
        .map(|cache| {
            let mut v = Value::object();
            v.set("type", cache.kind)
                .set("level", cache.level)
                .set("size", cache.size)
                .set("num_sharing", cache.num_sharing);
            v
        })
        .collect();
    c.set("caches", caches)
        .set(
            "load_avg",
            sys::load_average()
                .into_iter()
                .map(Value::from)
                .collect::<Vec<_>>(),
        )
        .set(
            "library_build_type",
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
        );
    // The custom context, sorted by key as Google Benchmark's map keeps it.
    let command_line = std::env::args().collect::<Vec<_>>().join(" ");
    let mut custom: BTreeMap<String, String> = options.context.iter().cloned().collect();
    for (key, value) in [
        ("testbed_compiler", build.compiler.to_string()),
        ("testbed_cxx_flags", build.flags.to_string()),
        ("testbed_build_type", build.build_type.to_string()),
        // timing: nothing counted, times only; counting: allocations and futures counted.
        (
            "testbed_build_kind",
            if COUNTING { "counting" } else { "timing" }.to_string(),
        ),
        (
            "testbed_git_revision_at_build",
            build.git_revision.to_string(),
        ),
        ("testbed_cpu_model", sys::cpu_model()),
        ("testbed_kernel", sys::kernel()),
        ("testbed_date_utc", sys::date_utc()),
        ("testbed_command_line", command_line),
        ("testbed_process_allocator", allocator.to_string()),
        ("testbed_language", "rust".to_string()),
        ("testbed_manifest", registry.manifest()),
    ] {
        custom.insert(key.to_string(), value);
    }
    for (key, value) in custom {
        c.set(&key, value);
    }
    c
}

fn console_line(entry: &Value) -> Option<String> {
    let Value::Object(fields) = entry else {
        return None;
    };
    let get = |key: &str| fields.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let Some(Value::Str(name)) = get("name") else {
        return None;
    };
    if let Some(Value::Str(message)) = get("error_message") {
        return Some(format!("{name:<70} ERROR OCCURRED: '{message}'"));
    }
    let number = |key: &str| match get(key) {
        Some(Value::Float(f)) => *f,
        Some(Value::Int(i)) => *i as f64,
        _ => 0.0,
    };
    let counters: Vec<String> = fields
        .iter()
        .filter(|(k, _)| {
            k.ends_with("_per_call") || k.ends_with("_per_iter") || k.ends_with("_bytes")
        })
        .map(|(k, _)| format!("{k}={}", number(k)))
        .collect();
    Some(format!(
        "{name:<70} {:>12.1} ns {:>12.1} ns {:>10} {}",
        number("real_time"),
        number("cpu_time"),
        number("iterations") as u64,
        counters.join(" ")
    ))
}

/// Runs the binary: parses the flags, runs the selected cells, writes the JSON. Returns
/// the process exit code (Google Benchmark's: 1 for a bad flag, 0 otherwise; 2 when the
/// named process allocator is not loaded).
pub fn main(mut registry: Registry, build: &BuildInfo) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match parse_options(&args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(1);
        }
    };
    // A row named after a process allocator must really run on it.
    let allocator = match &registry.allocator {
        Some(name) if name != "mimalloc" || !sys::symbol_loaded(c"mi_version") => {
            eprintln!(
                "TESTBED_PROCESS_ALLOCATOR={name}, but that allocator is not loaded (only mimalloc is known: run with LD_PRELOAD=libmimalloc.so.2)"
            );
            return ExitCode::from(2);
        }
        Some(name) => name.clone(),
        None => "Rust System allocator (glibc malloc)".to_string(),
    };
    let filter = match Filter::new(&options.filter) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let fixed = passes::fixed_iterations().or(options.min_iterations);
    let repetitions = if passes::fixed_iterations().is_some() {
        1
    } else {
        options.repetitions
    };
    let suffix = match fixed {
        Some(n) => format!("/iterations:{n}/real_time"),
        None => "/real_time".to_string(),
    };
    let selected: Vec<usize> = (0..registry.cells.len())
        .filter(|&i| filter.matches(&registry.cells[i].run_name(&suffix)))
        .collect();
    if options.list {
        for &i in &selected {
            println!("{}", registry.cells[i].run_name(&suffix));
        }
        return ExitCode::SUCCESS;
    }
    if selected.is_empty() {
        // As Google Benchmark: the output file exists but is empty, and the run succeeds.
        if let Some(out) = &options.out {
            let _ = std::fs::write(out, "");
        }
        eprintln!(
            "Failed to match any benchmarks against regex: {}",
            options.filter
        );
        return ExitCode::SUCCESS;
    }
    let context = context(&registry, build, &options, &allocator);
    let mut passes = Passes {
        fixed_iterations: fixed,
        stack_probe: passes::stack_probe_pass(),
        massif_dir: passes::massif_fork_dir(),
        on_valgrind: valgrind::running_on_valgrind(),
        massif_cells: 0,
    };
    if passes.stack_probe {
        passes::stack_overhead(); // measured once, before any cell
    }

    let mut schedule: Vec<usize> = selected
        .iter()
        .flat_map(|&i| std::iter::repeat_n(i, registry.cells[i].repetitions(repetitions) as usize))
        .collect();
    if options.interleave {
        Rng::seeded().shuffle(&mut schedule);
    }
    let family_index: BTreeMap<usize, usize> =
        selected.iter().enumerate().map(|(f, &i)| (i, f)).collect();
    let mut outcomes: BTreeMap<usize, Vec<Outcome>> = BTreeMap::new();
    let mut iterations: BTreeMap<usize, u64> = BTreeMap::new();
    let mut entries: Vec<Value> = Vec::new();
    let json_stdout = options.format == "json";
    if !json_stdout {
        println!(
            "{:<70} {:>15} {:>15} {:>10}",
            "Benchmark", "Time", "CPU", "Iterations"
        );
        println!("{}", "-".repeat(116));
    }
    for &i in &schedule {
        let cell = &mut registry.cells[i];
        let outcome = match (passes.fixed_iterations, iterations.get(&i)) {
            _ if cell.once => run_once(cell, 1, &mut passes),
            (Some(n), _) => run_once(cell, n, &mut passes),
            (None, Some(&n)) => run_once(cell, n, &mut passes),
            (None, None) => {
                // The first repetition sizes the cell: grow until a run lasts min_time.
                let mut n = 1;
                loop {
                    let outcome = run_once(cell, n, &mut passes);
                    match &outcome {
                        Ok(s) if n < MAX_ITERATIONS && s.real.as_secs_f64() < options.min_time => {
                            n = predict_iterations(n, s.real.as_secs_f64(), options.min_time);
                        }
                        _ => break outcome,
                    }
                }
            }
        };
        if let Ok(s) = &outcome {
            iterations.entry(i).or_insert(s.iterations);
        }
        let done = outcomes.entry(i).or_default();
        done.push(outcome);
        let repetitions = cell.repetitions(repetitions);
        if done.len() as u64 == repetitions {
            let run_name = cell.run_name(&suffix);
            let cell_entries = cell_entries(&run_name, family_index[&i], repetitions, done);
            for entry in &cell_entries {
                let aggregate = matches!(entry, Value::Object(f) if f.iter().any(|(k, v)| k == "run_type" && *v == Value::from("aggregate")));
                if !json_stdout
                    && (aggregate || !(options.display_aggregates_only && repetitions > 1))
                {
                    if let Some(line) = console_line(entry) {
                        println!("{line}");
                    }
                }
            }
            let keep = |e: &Value| {
                !options.report_aggregates_only
                    || repetitions < 2
                    || matches!(e, Value::Object(f) if f.iter().any(|(k, v)| k == "run_type" && *v == Value::from("aggregate")))
            };
            entries.extend(cell_entries.into_iter().filter(keep));
        }
    }
    let mut document = Value::object();
    document.set("context", context).set("benchmarks", entries);
    let text = document.pretty() + "\n";
    if json_stdout {
        print!("{text}");
    }
    let _ = std::io::stdout().flush();
    if let Some(out) = &options.out {
        if let Err(e) = std::fs::write(out, &text) {
            eprintln!("error: cannot write {out}: {e}");
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_what_scripts_matrix_passes() {
        let o = parse_options(&strings(&[
            "--benchmark_out=/tmp/x.json",
            "--benchmark_out_format=json",
            "--benchmark_repetitions=5",
            "--benchmark_enable_random_interleaving=true",
            "--benchmark_min_time=0.01",
            "--benchmark_context=testbed_git_revision=abc,testbed_run_command=scripts/matrix --filter a,b,testbed_mode=quick",
            "--benchmark_filter=^(a|b)(/|$)",
        ]))
        .unwrap();
        assert_eq!(o.out.as_deref(), Some("/tmp/x.json"));
        assert_eq!((o.repetitions, o.interleave, o.min_time), (5, true, 0.01));
        assert_eq!(
            o.context,
            vec![
                ("testbed_git_revision".to_string(), "abc".to_string()),
                (
                    "testbed_run_command".to_string(),
                    "scripts/matrix --filter a,b".to_string()
                ),
                ("testbed_mode".to_string(), "quick".to_string())
            ]
        );
        assert!(parse_options(&strings(&["--benchmark_bogus=1"])).is_err());
        assert!(
            parse_options(&strings(&["--benchmark_list_tests"]))
                .unwrap()
                .list
        );
        assert_eq!(
            parse_options(&strings(&["--benchmark_min_time=10x"]))
                .unwrap()
                .min_iterations,
            Some(10)
        );
    }

    #[test]
    fn a_cell_registered_once_runs_one_repetition_named_as_google_benchmark_names_it() {
        let cell = |once| Cell { base: "w/r/a:1".to_string(), body: Err("unused".to_string()), once };
        assert_eq!(cell(true).run_name("/real_time"), "w/r/a:1/iterations:1/repeats:1/real_time");
        assert_eq!(cell(true).run_name("/iterations:2/real_time"), "w/r/a:1/iterations:1/repeats:1/real_time");
        assert_eq!(cell(false).run_name("/real_time"), "w/r/a:1/real_time");
        assert_eq!((cell(true).repetitions(5), cell(false).repetitions(5)), (1, 5));
    }

    #[test]
    fn sizing_grows_like_google_benchmark() {
        assert_eq!(predict_iterations(1, 1e-6, 0.01), 10);
        assert_eq!(predict_iterations(100, 0.005, 0.01), 280);
        assert_eq!(predict_iterations(5, 0.02, 0.01), 6);
    }

    #[test]
    fn aggregates_follow_the_repetitions() {
        let sample = |ns: u64| -> Outcome {
            Ok(Sample {
                iterations: 10,
                real: Duration::from_nanos(ns * 10),
                cpu: Duration::from_nanos(ns * 10),
                calls_per_iter: 1001,
                counters: {
                    let mut c = Counters::default();
                    c.set("calls_per_iter", 1001.0);
                    c
                },
            })
        };
        let entries = cell_entries("w/r/a/real_time", 0, 3, &[sample(1), sample(2), sample(6)]);
        assert_eq!(entries.len(), 3 + 4);
        let text = Value::Array(entries).pretty();
        assert!(text.contains("\"name\": \"w/r/a/real_time_median\""));
        assert!(text.contains("\"real_time\": 3.0,"), "{text}");
    }
}
