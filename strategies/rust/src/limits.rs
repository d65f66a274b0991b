//! The limits the strategies are measured against, rows of their own but not strategies:
//! `sync_dyn`, the synchronous call through `dyn` (`fn next(&mut self) -> Option<i32>`:
//! no future at all), and `poll_next`, the Stream shape (`fn poll_next(self: Pin<&mut
//! Self>, cx) -> Poll<Option<i32>>` through `dyn`: the object is the state machine, no
//! future per call, the limit of "inline it into the iterator"). The interfaces live with
//! the workload; these are their manifest rows.

use testbed_harness::manifest::{PlainRow, RowKind, roles};

pub const SYNC_DYN: PlainRow = PlainRow {
    name: "sync_dyn",
    kind: RowKind::Baseline,
    about: "the synchronous call through dyn (fn next(&mut self) -> Option<i32>): the limit",
    role: roles::SYNCHRONOUS_LIMIT,
};

pub const POLL_NEXT: PlainRow = PlainRow {
    name: "poll_next",
    kind: RowKind::Baseline,
    about: "the poll-style interface (the Stream shape, no future per call) through dyn: the limit of inline",
    role: roles::POLL_LIMIT,
};
