//! What a cell measures around its loop: wall and CPU time, and in the counting build the
//! allocations and placed futures per call on every thread (names and meanings from
//! [`crate::metrics`]); and the callgrind window (the collection toggle at start and
//! stop, as `call_meter` in harness/bench_meter.hpp).

use crate::alloc_counter::{self, Counts};
use crate::frames::{self, FrameCounts};
use crate::metrics::{self, Metric};
use crate::{COUNTING, sys, valgrind};
use std::time::{Duration, Instant};

/// One run of a cell: `iterations` passes of its loop, each making `calls_per_iter`
/// interface calls, and the counters it measured.
#[derive(Clone, Debug)]
pub struct Sample {
    pub iterations: u64,
    pub real: Duration,
    pub cpu: Duration,
    pub calls_per_iter: u64,
    /// calls_per_iter always, the counting metrics in the counting build, and whatever a
    /// pass adds (stack high-water).
    pub counters: Counters,
}

impl Sample {
    pub fn set(&mut self, metric: &Metric, value: f64) {
        self.counters.set(metric.name, value);
    }

    /// A counter's value by name; panics naming it when the sample has none (the tests'
    /// accessor: a missing counter is a failure worth naming).
    pub fn counter(&self, name: &str) -> f64 {
        self.counters
            .get(name)
            .unwrap_or_else(|| panic!("the sample has no counter {name:?}"))
    }

    /// Asserts what box does in every workload (counting build): exactly one allocation
    /// and one free per call.
    pub fn assert_one_allocation_per_call(&self) {
        assert_eq!(
            (self.counter("allocs_per_call"), self.counter("frees_per_call")),
            (1.0, 1.0),
            "(allocations, frees) per call"
        );
    }
}

/// The most counters a sample holds.
const MAX_COUNTERS: usize = 16;

/// A sample's counters, (metric name, value), held inline: a cell's run allocates nothing
/// for its bookkeeping (the massif pass measures the cell's heap alone).
#[derive(Clone, Copy, Debug)]
pub struct Counters {
    items: [(&'static str, f64); MAX_COUNTERS],
    len: usize,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            items: [("", 0.0); MAX_COUNTERS],
            len: 0,
        }
    }
}

impl Counters {
    /// Sets (or replaces) a counter.
    pub fn set(&mut self, name: &'static str, value: f64) {
        if let Some(item) = self.items[..self.len].iter_mut().find(|(n, _)| *n == name) {
            item.1 = value;
        } else {
            assert!(
                self.len < MAX_COUNTERS,
                "more than {MAX_COUNTERS} counters in one sample"
            );
            self.items[self.len] = (name, value);
            self.len += 1;
        }
    }

    pub fn get(&self, name: &str) -> Option<f64> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, (&'static str, f64)> {
        self.items[..self.len].iter()
    }
}

/// Start right before the measured loop, stop right after it (`stop` consumes it).
pub struct Meter {
    allocs: Counts,
    frames: FrameCounts,
    cpu: Duration,
    start: Instant,
}

impl Meter {
    #[inline(never)]
    pub fn start() -> Meter {
        let (allocs, frames) = if COUNTING {
            frames::take_largest();
            (alloc_counter::all_threads(), frames::all_threads())
        } else {
            Default::default()
        };
        let cpu = sys::process_cpu_time();
        valgrind::callgrind_toggle_collect();
        Meter {
            allocs,
            frames,
            cpu,
            start: Instant::now(),
        }
    }

    /// The sample of `iterations` passes of `calls_per_iter` calls each.
    #[inline(never)]
    pub fn stop(self, iterations: u64, calls_per_iter: u64) -> Sample {
        let real = self.start.elapsed();
        valgrind::callgrind_toggle_collect();
        // The counts first: building the sample allocates.
        let (allocs, frames_now, largest) = if COUNTING {
            (
                alloc_counter::all_threads() - self.allocs,
                frames::all_threads(),
                frames::take_largest(),
            )
        } else {
            Default::default()
        };
        let cpu = sys::process_cpu_time().saturating_sub(self.cpu);
        let mut sample = Sample {
            iterations,
            real,
            cpu,
            calls_per_iter,
            counters: Counters::default(),
        };
        sample.set(&metrics::CALLS_PER_ITER, calls_per_iter as f64);
        if COUNTING {
            let calls = (iterations * calls_per_iter) as f64;
            let per_call = |v: u64| if calls > 0.0 { v as f64 / calls } else { 0.0 };
            let placed = frames_now.frames - self.frames.frames;
            let bytes = frames_now.bytes - self.frames.bytes;
            sample.set(&metrics::ALLOCS_PER_CALL, per_call(allocs.allocations));
            sample.set(&metrics::FREES_PER_CALL, per_call(allocs.deallocations));
            sample.set(&metrics::BYTES_PER_CALL, per_call(allocs.bytes));
            sample.set(&metrics::FRAMES_PER_CALL, per_call(placed));
            sample.set(
                &metrics::FRAME_BYTES,
                if placed > 0 {
                    bytes as f64 / placed as f64
                } else {
                    0.0
                },
            );
            sample.set(&metrics::FRAME_BYTES_MAX, largest as f64);
            sample.set(
                &metrics::HEAP_FALLBACKS_PER_CALL,
                per_call(frames_now.heap_fallbacks - self.frames.heap_fallbacks),
            );
        }
        sample
    }
}
