//! What a row is, declared by the code that implements it, and the row manifest every
//! benchmark binary writes into its JSON context (`testbed_manifest`): the same fields, in
//! the same order and format, as `harness/row_manifest.cpp` writes, so the scripts read
//! Rust rows exactly as C++ rows.

use crate::design_post::Entry;
use crate::json::quoted;
use crate::metrics::Metric;
use std::fmt::Write as _;

/// Outstanding calls without a limit (`testbed::unlimited_calls`).
pub const UNLIMITED_CALLS: i32 = -1;

/// What a strategy declares about itself (the fields of C++ `strategy_traits`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrategyTraits {
    /// Calls to the global allocator for the very first call on a fresh task, object and
    /// caller storage; and for every call once warm.
    pub first_call_allocations: i32,
    pub steady_allocations: i32,
    /// The largest future served, in bytes; 0 when any size is.
    pub max_frame_bytes: usize,
    /// Outstanding calls one object / one caller storage serves.
    pub calls_per_object: i32,
    pub calls_per_storage: i32,
    /// Futures live inside the caller's storage, so it must outlive them.
    pub frames_in_caller_storage: bool,
    /// Futures must be released in reverse order of creation.
    pub lifo_only: bool,
    /// A future must be released on the thread that created it (the Local forms: in Rust
    /// their futures are `!Send`, so the compiler refuses anything else).
    pub same_thread_release: bool,
    /// Futures come from the running task's runtime.
    pub needs_task_runtime: bool,
}

impl StrategyTraits {
    /// The defaults of C++ `strategy_traits` with the two allocation counts given.
    pub const fn allocating(first_call_allocations: i32, steady_allocations: i32) -> Self {
        Self {
            first_call_allocations,
            steady_allocations,
            max_frame_bytes: 0,
            calls_per_object: UNLIMITED_CALLS,
            calls_per_storage: UNLIMITED_CALLS,
            frames_in_caller_storage: false,
            lifo_only: false,
            same_thread_release: false,
            needs_task_runtime: false,
        }
    }

    fn json(&self) -> String {
        format!(
            "{{\"first_call_allocations\": {}, \"steady_allocations\": {}, \"max_frame_bytes\": {}, \
             \"calls_per_object\": {}, \"calls_per_storage\": {}, \"frames_in_caller_storage\": {}, \
             \"lifo_only\": {}, \"same_thread_release\": {}, \"needs_task_runtime\": {}}}",
            self.first_call_allocations,
            self.steady_allocations,
            self.max_frame_bytes,
            self.calls_per_object,
            self.calls_per_storage,
            self.frames_in_caller_storage,
            self.lifo_only,
            self.same_thread_release,
            self.needs_task_runtime
        )
    }
}

/// strategy: a way to place futures (what the testbed compares); baseline: a limit the
/// strategies are measured against; peer and device as in harness/row_manifest.hpp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Strategy,
    Baseline,
    Peer,
    Device,
}

impl RowKind {
    pub const fn name(self) -> &'static str {
        match self {
            RowKind::Strategy => "strategy",
            RowKind::Baseline => "baseline",
            RowKind::Peer => "peer",
            RowKind::Device => "device",
        }
    }
}

/// Roles the report gives some rows (harness/row_manifest.hpp `roles`).
pub mod roles {
    pub const REFERENCE: &str = "reference";
    pub const SYNCHRONOUS_LIMIT: &str = "synchronous_limit";
    pub const POLL_LIMIT: &str = "poll_limit";
}

/// A row that is not a strategy: a baseline, with one sentence saying what it is.
#[derive(Clone, Copy, Debug)]
pub struct PlainRow {
    pub name: &'static str,
    pub kind: RowKind,
    pub about: &'static str,
    pub role: &'static str,
}

/// One row of the manifest (the fields of C++ `row_description`).
#[derive(Clone, Debug, PartialEq)]
pub struct RowDescription {
    pub name: String,
    pub kind: RowKind,
    /// The strategy without its form and start.
    pub family: String,
    /// "local", "sendable", or "".
    pub form: String,
    /// "lazy" for rows whose calls return a future, "" for the others.
    pub start: String,
    pub role: String,
    /// The preloaded process allocator the row ran on ("" for the default).
    pub allocator: String,
    pub design: Option<Entry>,
    /// Where its futures go, or what the row is.
    pub placement: String,
    pub sized_like: String,
    pub traits: Option<StrategyTraits>,
    /// Bytes added to each object / caller (`size_of`), None when not measured.
    pub object_bytes: Option<usize>,
    pub caller_bytes: Option<usize>,
}

impl RowDescription {
    /// A baseline row from its constant.
    pub fn plain(row: &PlainRow) -> Self {
        Self {
            name: row.name.to_string(),
            kind: row.kind,
            family: row.name.to_string(),
            form: String::new(),
            start: String::new(),
            role: row.role.to_string(),
            allocator: String::new(),
            design: None,
            placement: row.about.to_string(),
            sized_like: String::new(),
            traits: None,
            object_bytes: None,
            caller_bytes: None,
        }
    }

    /// The row as it runs under a preloaded process allocator ("<row>_<allocator>"),
    /// described as a custom allocator, as harness/bench_registration.hpp does.
    pub fn under_allocator(mut self, allocator: &str) -> Self {
        self.name = format!("{}_{}", self.name, allocator);
        self.family = self.name.clone();
        self.allocator = allocator.to_string();
        if self.kind == RowKind::Strategy {
            self.design = Some(crate::design_post::CUSTOM_ALLOCATOR);
            self.placement = format!(
                "{allocator} preloaded for the whole process: {}",
                self.placement
            );
        }
        self
    }

    /// Whether two descriptions of one name describe the same row (C++ `same_row`).
    pub fn same_row(&self, other: &RowDescription) -> bool {
        self.kind == other.kind
            && self.family == other.family
            && self.form == other.form
            && self.start == other.start
            && self.role == other.role
            && self.allocator == other.allocator
            && self.design.map(|d| d.id) == other.design.map(|d| d.id)
            && self.placement == other.placement
    }

    fn json(&self) -> String {
        let design = self.design.unwrap_or(Entry {
            id: "",
            strategy: "",
            downside: "",
        });
        let bytes = |b: Option<usize>| b.map_or_else(|| "null".to_string(), |b| b.to_string());
        format!(
            "{{\"name\": {}, \"kind\": {}, \"family\": {}, \"form\": {}, \"start\": {}, \"role\": {}, \
             \"allocator\": {}, \"design_key\": {}, \"design_strategy\": {}, \"design_downside\": {}, \
             \"placement\": {}, \"sized_like\": {}, \
             \"object_bytes\": {}, \"caller_bytes\": {}, \"traits\": {}}}",
            quoted(&self.name),
            quoted(self.kind.name()),
            quoted(&self.family),
            quoted(&self.form),
            quoted(&self.start),
            quoted(&self.role),
            quoted(&self.allocator),
            quoted(design.id),
            quoted(design.strategy),
            quoted(design.downside),
            quoted(&self.placement),
            quoted(&self.sized_like),
            bytes(self.object_bytes),
            bytes(self.caller_bytes),
            self.traits.map_or_else(|| "null".to_string(), |t| t.json())
        )
    }
}

fn metric_json(m: &Metric) -> String {
    format!(
        "{{\"name\": {}, \"unit\": {}, \"digits\": {}, \"header\": {}, \"pass\": {}, \"meaning\": {}}}",
        quoted(m.name),
        quoted(m.unit),
        m.digits,
        quoted(m.header),
        quoted(m.pass.name()),
        quoted(m.meaning)
    )
}

/// `{"rows": [...], "metrics": [...]}`: rows sorted by name (as the C++ std::map), then
/// the metrics in declaration order, formatted as harness/row_manifest.cpp does.
pub fn manifest_json<'a>(
    rows: impl IntoIterator<Item = &'a RowDescription>,
    metrics: impl IntoIterator<Item = &'a Metric>,
) -> String {
    let mut rows: Vec<&RowDescription> = rows.into_iter().collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows.dedup_by(|a, b| a.name == b.name);
    let mut out = String::from("{\"rows\": [");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&row.json());
    }
    out.push_str("], \"metrics\": [");
    for (i, m) in metrics.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{}", metric_json(m));
    }
    out.push_str("]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::CALLS_PER_ITER;

    #[test]
    fn writes_the_cpp_format() {
        let row = RowDescription::plain(&PlainRow {
            name: "sync_dyn",
            kind: RowKind::Baseline,
            about: "a \"limit\"",
            role: roles::SYNCHRONOUS_LIMIT,
        });
        let text = manifest_json([&row], [&CALLS_PER_ITER]);
        assert_eq!(
            text,
            "{\"rows\": [{\"name\": \"sync_dyn\", \"kind\": \"baseline\", \"family\": \"sync_dyn\", \
             \"form\": \"\", \"start\": \"\", \"role\": \"synchronous_limit\", \"allocator\": \"\", \
             \"design_key\": \"\", \"design_strategy\": \"\", \"design_downside\": \"\", \
             \"placement\": \"a \\\"limit\\\"\", \"sized_like\": \"\", \"object_bytes\": null, \
             \"caller_bytes\": null, \"traits\": null}], \"metrics\": [{\"name\": \"calls_per_iter\", \
             \"unit\": \"calls\", \"digits\": 0, \"header\": \"calls/iteration\", \"pass\": \"timing\", \
             \"meaning\": \"interface calls one benchmark iteration makes\"}]}"
        );
    }
}
