//! W4's Rust rows, checked exactly (counting build): which rows serve the chain and fib
//! (the table of `Recursions` against the rows' traits, both ways); every served row sums
//! the chain and fib right; allocations per level, exactly, on a second pass; the side
//! stack's trampoline keeps the native stack flat at 1,000,000 levels, while the nested
//! polls of the other rows grow it per level; the overflow search finds where a stack
//! overflows; refused cells fail loudly when forced. Counts are this thread's.

use recursion_rust_impl::{
    CHAIN_NEEDS, Recursions, chain_passes, chain_sum, fib_calls, fib_needs, fib_passes, fib_value,
    find_overflow_depth, poll_stack_per_level, run_sync_chain, survives_in_child, sync_stack_per_level,
};
use std::panic::{AssertUnwindSafe, catch_unwind};
use testbed_harness::alloc_counter;
use testbed_harness::executor::{block_on, passes};
use testbed_strategies::Strategy;
use testbed_strategies::cells::refusal;

const DEPTH: usize = 256;

/// Allocations one pass of the chain makes once warm (the second pass of one task).
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Steady {
    /// None: the futures' memory is kept (in the objects, the side stack's chunks).
    Nothing,
    /// One per level: a box per call, or a block per level's fresh caller storage.
    PerLevel,
}

fn check_row<S: Recursions>(steady: Steady) {
    testbed_harness::require_counting_build();
    let what = S::NAME;
    // The table, both ways: a chain exactly where the traits serve it (a row claimed
    // without a buffer large enough would not compile).
    let chain = S::make_chain(DEPTH);
    assert_eq!(chain.is_some(), refusal::<S>(&CHAIN_NEEDS).is_none(), "{what}: the table");
    assert_eq!(S::make_fib_service().is_some(), chain.is_some(), "{what}: the fib table");
    let Some(chain) = chain else { return };
    let (first, second) = S::run_task(|| {
        let before = alloc_counter::this_thread();
        let a = block_on(chain_passes::<S>(&chain, passes(1)));
        let mid = alloc_counter::this_thread();
        let b = block_on(chain_passes::<S>(&chain, passes(1)));
        let after = alloc_counter::this_thread();
        assert_eq!((a, b), (chain_sum(DEPTH as i64), chain_sum(DEPTH as i64)), "{what}: the sums");
        (mid - before, after - mid)
    });
    let expected = match steady {
        Steady::Nothing => 0,
        Steady::PerLevel => DEPTH as u64,
    };
    assert_eq!(second.allocations, expected, "{what}: allocations of a warm pass");
    assert_eq!(second.deallocations, expected, "{what}: frees of a warm pass");
    assert!(first.allocations >= expected, "{what}: the first pass");
    // fib: served unless one slot or block per object (20 calls outstanding on it).
    let service = S::make_fib_service().unwrap();
    let run_fib = || S::run_task(|| block_on(fib_passes::<S>(&*service, 20, passes(2))));
    match refusal::<S>(&fib_needs(20)) {
        None => assert_eq!(run_fib(), 2 * fib_value(20), "{what}: fib"),
        Some(reason) => {
            let payload = catch_unwind(AssertUnwindSafe(run_fib))
                .expect_err(&format!("{what}: fib unsupported ({reason}) but it ran"));
            let text = payload.downcast_ref::<&str>().map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned()).unwrap_or_default();
            assert!(text.contains("second outstanding call"), "{what}: the refusal says why: {text}");
        }
    }
}

macro_rules! row_tests {
    ($($name:ident: $s:ty => $steady:expr,)*) => {
        $(
            #[test]
            fn $name() {
                check_row::<$s>($steady);
            }
        )*
    };
}

use testbed_strategies::{
    Boxed, CalleeCache, InPlace, Inline, Local, ReusableBox, Sendable, SideStack, StackFutureOrBox,
    StackFutureStrategy,
};

row_tests! {
    box_row: Boxed => Steady::PerLevel,
    stack_future_64: StackFutureStrategy<64> => Steady::Nothing,
    stack_future_128: StackFutureStrategy<128> => Steady::Nothing,
    stack_future_512: StackFutureStrategy<512> => Steady::Nothing,
    stack_future_2048: StackFutureStrategy<2048> => Steady::Nothing,
    // Each level's future holds the next level's N+16-byte value: boxed at every level.
    stack_future_or_box_64: StackFutureOrBox<64> => Steady::PerLevel,
    stack_future_or_box_128: StackFutureOrBox<128> => Steady::PerLevel,
    stack_future_or_box_512: StackFutureOrBox<512> => Steady::PerLevel,
    stack_future_or_box_2048: StackFutureOrBox<2048> => Steady::PerLevel,
    in_place: InPlace<512> => Steady::Nothing,
    // Each level's caller storage is new (it lives in the level above's future).
    reusable_box_local: ReusableBox<Local> => Steady::PerLevel,
    reusable_box_sendable: ReusableBox<Sendable> => Steady::PerLevel,
    // A block per object, kept: the second pass allocates nothing.
    callee_cache_local: CalleeCache<Local> => Steady::Nothing,
    callee_cache_sendable: CalleeCache<Sendable> => Steady::Nothing,
    inline_local: Inline<256, Local> => Steady::Nothing,
    inline_sendable: Inline<256, Sendable> => Steady::Nothing,
    // The chunks are kept for the task: the second pass allocates nothing.
    side_stack: SideStack => Steady::Nothing,
}

/// The trampoline: 1,000,000 levels through the side stack on a 256 KiB native stack,
/// which stays flat (the nested polls of box take 48 B or so per level: 1,000,000 of them
/// would need about 48 MiB).
#[test]
fn the_side_stack_recursion_runs_on_a_flat_native_stack() {
    // Under memcheck (scripts/test) a shallower chain, still far beyond what box's nested
    // polls fit in 256 KiB.
    let depth = if testbed_harness::valgrind::running_on_valgrind() { 20_000 } else { 1_000_000 };
    let used = testbed_harness::passes::run_on_painted_stack(256 * 1024, &mut || {
        let chain = SideStack::make_chain(depth).unwrap();
        let sum = SideStack::run_task(|| block_on(chain_passes::<SideStack>(&chain, passes(1))));
        assert_eq!(sum, chain_sum(depth as i64));
    });
    assert!(used < 64 * 1024, "the native stack grew to {used} bytes");
    assert!(poll_stack_per_level::<SideStack>() < 1.0);
    assert!(poll_stack_per_level::<Boxed>() >= 16.0);
    assert!(sync_stack_per_level() >= 8.0);
}

/// The overflow search on a 1 MiB stack: the synchronous chain and box's nested polls
/// overflow near stack / (bytes per level), and not below the depth found to survive.
#[test]
fn the_overflow_search_brackets_the_limit() {
    if testbed_harness::valgrind::running_on_valgrind() {
        // Forked children overflowing their stacks under memcheck: minutes, and nothing
        // memcheck would check (the recursion is run natively by this same test).
        return;
    }
    const MIB: usize = 1024 * 1024;
    assert!(survives_in_child(MIB, 100, run_sync_chain));
    assert!(!survives_in_child(MIB, 10_000_000, run_sync_chain));
    let per_level = sync_stack_per_level();
    let (overflow, survived) = find_overflow_depth(MIB, per_level, run_sync_chain);
    assert!(survived < overflow && overflow - survived <= (survived / 1000).max(1));
    let estimate = MIB as f64 / per_level;
    assert!((overflow as f64) > estimate / 2.0 && (overflow as f64) < estimate * 2.0, "{overflow} vs {estimate}");
    fn box_chain(depth: usize) -> bool {
        let chain = Boxed::make_chain(depth).unwrap();
        block_on(chain_passes::<Boxed>(&chain, passes(1))) == chain_sum(depth as i64)
    }
    let (box_overflow, _) = find_overflow_depth(MIB, poll_stack_per_level::<Boxed>(), box_chain);
    assert!(box_overflow < overflow, "box's nested polls reach {box_overflow}, the synchronous chain {overflow}");
    assert_eq!(fib_calls(20), 21_891);
}

