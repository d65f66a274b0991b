//! The Rust strategies of the testbed: where the future of an async call through `dyn`
//! goes. The counterpart of `strategies/` and `harness/strategy_contract.hpp`: one module
//! per strategy, all behind one contract, [`Strategy`], so that an interface's
//! implementation is written once, generic over the strategy, and the strategy is chosen
//! where the interface is used (`dyn AsyncIterator<CalleeCache<Local>>`).
//!
//! The contract: a callee's body is an ordinary `async` block, a future of a type the
//! caller cannot name or size. The strategy `place`s it and returns its own handle type,
//! the only type the `dyn` method signature mentions. What the strategy may use: state in
//! the object (`ObjectState`, e.g. inline's slot or callee_cache's block), storage the
//! caller passes to every call (`CallerStorage`, e.g. in_place's slot or reusable_box's
//! block), the heap, or the running task's side stack.
//!
//! The rows are listed in [`for_each_strategy!`]; README.md says what each is, where its
//! future's memory comes from and when it should lose.

use std::future::Future;
use std::pin::Pin;
use testbed_harness::design_post::Entry;
use testbed_harness::manifest::{RowDescription, RowKind, StrategyTraits};

pub mod boxed;
pub mod callee_cache;
pub mod cells;
pub mod erased;
pub mod forms;
pub mod in_place;
pub mod inline;
pub mod limits;
pub mod reusable_box;
pub mod side_stack;
pub mod stack_future;

pub use boxed::Boxed;
pub use callee_cache::CalleeCache;
pub use cells::register_strategy_cell;
pub use forms::{Form, Local, Sendable};
pub use in_place::InPlace;
pub use inline::Inline;
pub use reusable_box::ReusableBox;
pub use side_stack::SideStack;
pub use stack_future::{StackFuture, StackFutureOrBox, StackFutureStrategy};

/// A way to place the future of a call made through `dyn`.
///
/// `place` requires a `Send` future so that one implementation serves both forms of a
/// strategy (the Sendable forms' handles are `Send`); the other strategies' handles are
/// `!Send` anyway, like `Pin<Box<dyn Future + '_>>` (async-trait's `?Send` shape).
pub trait Strategy: 'static {
    /// The row name ("callee_cache_local").
    const NAME: &'static str;
    /// The strategy without its form ("callee_cache").
    const FAMILY: &'static str;
    /// "local", "sendable", or "" (no state that needs a form).
    const FORM: &'static str = "";
    /// The row's role (harness manifest roles): "reference" for box, else "".
    const ROLE: &'static str = "";
    /// The design post's entry this row stands for.
    const DESIGN: Entry;
    /// Where its futures go, in a few words.
    const PLACEMENT: &'static str;
    /// Its allocation profile and limits (checked by the tests).
    const TRAITS: StrategyTraits;
    /// Bytes of the future's own storage inside the value a call returns, when the handle
    /// holds the future by value (stack_future's buffer): the caller keeps them in its
    /// state while it awaits, as it keeps its caller storage. 0 for handles that point
    /// elsewhere.
    const RETURNED_BYTES: usize = 0;

    /// What the strategy adds to every object of an interface using it.
    type ObjectState: Default;
    /// What a caller keeps and passes (pinned) to every call.
    type CallerStorage: Default;
    /// What a call returns: the placed future, as the caller polls it.
    type Handle<'a, T: 'a>: Future<Output = T> + 'a;

    /// Places `future` (the callee's body) and returns its handle. `object` is the callee
    /// object's state, `storage` the caller's; both are pinned, so a future placed in them
    /// stays where it was written.
    fn place<'a, T: 'a, F>(
        object: Pin<&'a Self::ObjectState>,
        storage: Pin<&'a mut Self::CallerStorage>,
        future: F,
    ) -> Self::Handle<'a, T>
    where
        F: Future<Output = T> + Send + 'a;

    /// Runs a task's root (the whole `block_on`) with what the strategy needs from the
    /// task's runtime installed: the side stack's arena. Other strategies need nothing.
    #[inline(always)]
    fn run_task<R>(task: impl FnOnce() -> R) -> R {
        task()
    }
}

/// The manifest description of strategy S, its overheads measured on its real types.
pub fn describe<S: Strategy>() -> RowDescription {
    RowDescription {
        name: S::NAME.to_string(),
        kind: RowKind::Strategy,
        family: S::FAMILY.to_string(),
        form: S::FORM.to_string(),
        start: "lazy".to_string(),
        role: S::ROLE.to_string(),
        allocator: String::new(),
        design: Some(S::DESIGN),
        placement: S::PLACEMENT.to_string(),
        sized_like: String::new(),
        traits: Some(S::TRAITS),
        object_bytes: Some(std::mem::size_of::<S::ObjectState>()),
        // What the caller keeps for a call: its storage, and the buffer of a returned
        // by-value future (the counterpart of C++ max_space's reservation).
        caller_bytes: Some(std::mem::size_of::<S::CallerStorage>() + S::RETURNED_BYTES),
    }
}

/// The explicit list of rows (`TESTBED_FOR_EACH_STRATEGY` of strategies/strategy_list.hpp),
/// each with the name of its test, in the order the benches register them: expanded by
/// `for_each_strategy!` and `row_tests!`, never written again.
#[doc(hidden)]
#[macro_export]
macro_rules! __strategy_rows {
    ($mode:ident $m:ident) => {
        $crate::__strategy_rows!(@$mode $m;
            box_row: $crate::Boxed,
            stack_future_64: $crate::StackFutureStrategy<64>,
            stack_future_128: $crate::StackFutureStrategy<128>,
            stack_future_512: $crate::StackFutureStrategy<512>,
            stack_future_2048: $crate::StackFutureStrategy<2048>,
            stack_future_or_box_64: $crate::StackFutureOrBox<64>,
            stack_future_or_box_128: $crate::StackFutureOrBox<128>,
            stack_future_or_box_512: $crate::StackFutureOrBox<512>,
            stack_future_or_box_2048: $crate::StackFutureOrBox<2048>,
            in_place: $crate::InPlace<512>,
            reusable_box_local: $crate::ReusableBox<$crate::Local>,
            reusable_box_sendable: $crate::ReusableBox<$crate::Sendable>,
            callee_cache_local: $crate::CalleeCache<$crate::Local>,
            callee_cache_sendable: $crate::CalleeCache<$crate::Sendable>,
            inline_local: $crate::Inline<256, $crate::Local>,
            inline_sendable: $crate::Inline<256, $crate::Sendable>,
            side_stack: $crate::SideStack,
        );
    };
    (@each $m:ident; $($name:ident: $s:ty,)*) => {
        $( $m!($s); )*
    };
    (@tests $m:ident; $($name:ident: $s:ty,)*) => {
        $(
            #[test]
            fn $name() {
                $m::<$s>();
            }
        )*
    };
}

/// Calls `$m!(Type)` for every strategy row.
#[macro_export]
macro_rules! for_each_strategy {
    ($m:ident) => {
        $crate::__strategy_rows!(each $m);
    };
}

/// One `#[test]` per strategy row, named after the row, calling `$check::<Type>()`: a
/// workload's tests cover every row.
#[macro_export]
macro_rules! row_tests {
    ($check:ident) => {
        $crate::__strategy_rows!(tests $check);
    };
}
