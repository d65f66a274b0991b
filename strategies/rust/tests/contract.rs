//! The strategies against their contract, with futures of known sizes (counting build,
//! enabled by the dev-dependency; counts are this thread's): the refusals are loud, the
//! caches reuse what they say, the side stack pops in LIFO order across its chunks, and
//! the Sendable forms' futures really cross threads.

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use testbed_harness::alloc_counter::{self, Counts};
use testbed_harness::executor::{YieldOnce, block_on, noop_waker};
use testbed_harness::frames;
use testbed_strategies::{
    Boxed, CalleeCache, InPlace, Inline, Local, ReusableBox, Sendable, SideStack, StackFuture,
    StackFutureOrBox, Strategy,
};

/// Places `future` with S given the object state and caller storage.
fn place<'a, S: Strategy, T: 'a>(
    object: Pin<&'a S::ObjectState>,
    storage: Pin<&'a mut S::CallerStorage>,
    future: impl Future<Output = T> + Send + 'a,
) -> S::Handle<'a, T> {
    S::place(object, storage, future)
}

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(noop_waker()))
}

#[test]
#[should_panic(expected = "inline: a second outstanding call on one object")]
fn inline_refuses_a_second_outstanding_call() {
    let object = Box::pin(<Inline<256, Local> as Strategy>::ObjectState::default());
    let mut unit_a = ();
    let mut unit_b = ();
    let first = place::<Inline<256, Local>, _>(object.as_ref(), Pin::new(&mut unit_a), async { 1 });
    // Two calls on one `&self`: the second finds the slot busy.
    let _second =
        place::<Inline<256, Local>, _>(object.as_ref(), Pin::new(&mut unit_b), async { 2 });
    drop(first);
}

#[test]
#[should_panic(expected = "callee_cache: a second outstanding call on one object")]
fn callee_cache_refuses_a_second_outstanding_call() {
    let object = Box::pin(<CalleeCache<Sendable> as Strategy>::ObjectState::default());
    let (mut a, mut b) = ((), ());
    let _first = place::<CalleeCache<Sendable>, _>(object.as_ref(), Pin::new(&mut a), async { 1 });
    let _second = place::<CalleeCache<Sendable>, _>(object.as_ref(), Pin::new(&mut b), async { 2 });
}

#[test]
fn inline_and_callee_cache_serve_one_call_after_another() {
    let inline = Box::pin(<Inline<256, Sendable> as Strategy>::ObjectState::default());
    let cache = Box::pin(<CalleeCache<Local> as Strategy>::ObjectState::default());
    let mut unit = ();
    for i in 0..3 {
        assert_eq!(
            block_on(place::<Inline<256, Sendable>, _>(
                inline.as_ref(),
                Pin::new(&mut unit),
                async move { i }
            )),
            i
        );
        assert_eq!(
            block_on(place::<CalleeCache<Local>, _>(
                cache.as_ref(),
                Pin::new(&mut unit),
                async move { i }
            )),
            i
        );
    }
}

#[test]
#[should_panic(expected = "in_place: the caller's slot still holds a future")]
fn in_place_refuses_a_slot_whose_handle_was_leaked() {
    // The slot is leaked too: a slot destroyed with a leaked future in it aborts.
    let mut slot = Pin::static_mut(Box::leak(Box::new(
        <InPlace<64> as Strategy>::CallerStorage::default(),
    )));
    let unit = Box::pin(());
    let handle = place::<InPlace<64>, _>(unit.as_ref(), slot.as_mut(), async { 1 });
    std::mem::forget(handle);
    let _again = place::<InPlace<64>, _>(unit.as_ref(), slot, async { 2 });
}

#[test]
#[should_panic(expected = "reusable_box: the caller's block still holds a future")]
fn reusable_box_refuses_a_block_whose_handle_was_leaked() {
    let mut storage = Box::pin(<ReusableBox<Local> as Strategy>::CallerStorage::default());
    let unit = Box::pin(());
    std::mem::forget(place::<ReusableBox<Local>, _>(
        unit.as_ref(),
        storage.as_mut(),
        async { 1 },
    ));
    let _again = place::<ReusableBox<Local>, _>(unit.as_ref(), storage.as_mut(), async { 2 });
}

#[test]
#[should_panic(expected = "side_stack: no task side stack on this thread")]
fn side_stack_refuses_a_call_outside_a_task() {
    let (unit, mut storage) = (Box::pin(()), Box::pin(()));
    let _ = place::<SideStack, _>(unit.as_ref(), storage.as_mut(), async { 1 });
}

#[test]
#[should_panic(expected = "side_stack: a future was released out of LIFO order")]
fn side_stack_refuses_a_non_lifo_release() {
    SideStack::run_task(|| {
        let (unit, mut a, mut b) = (Box::pin(()), Box::pin(()), Box::pin(()));
        let older = place::<SideStack, _>(unit.as_ref(), a.as_mut(), async { 1 });
        let newer = place::<SideStack, _>(unit.as_ref(), b.as_mut(), async { 2 });
        drop(older); // not the newest: refused
        drop(newer);
    });
}

/// A chain of nested futures deeper than the first chunk: the side stack grows, pops back
/// in LIFO order, and a second descent reuses the chunks it kept (no allocation).
#[test]
fn side_stack_grows_and_reuses_its_chunks() {
    testbed_harness::require_counting_build();
    fn descend(depth: u32) -> Pin<Box<dyn Future<Output = u32>>> {
        // Each level places a 200-byte future on the side stack and keeps it alive while
        // the levels below run (LIFO lifetimes); the boxes only make the recursion
        // expressible (a recursive async fn needs indirection): the same in both descents.
        Box::pin(async move {
            if depth == 0 {
                return 0;
            }
            let (unit, mut storage) = (pin!(()), pin!(()));
            let payload = [1u8; 200];
            let level = place::<SideStack, _>(unit.as_ref(), storage.as_mut(), async move {
                YieldOnce::new().await;
                u32::from(payload[199])
            });
            let below = descend(depth - 1).await;
            level.await + below
        })
    }
    SideStack::run_task(|| {
        let before = alloc_counter::this_thread();
        assert_eq!(block_on(descend(200)), 200);
        let first = alloc_counter::this_thread() - before;
        let before = alloc_counter::this_thread();
        assert_eq!(block_on(descend(200)), 200);
        let second = alloc_counter::this_thread() - before;
        // The boxes of `descend` (201 per descent) are the only allocations of the second.
        assert_eq!(second.allocations, 201);
        assert!(
            first.allocations > 201,
            "the first descent allocates chunks"
        );
    });
}

#[test]
fn reusable_box_reallocates_when_the_layout_changes_and_callee_cache_when_too_small() {
    testbed_harness::require_counting_build();
    let unit = Box::pin(());
    let mut storage = Box::pin(<ReusableBox<Local> as Strategy>::CallerStorage::default());
    let small = |x: u8| async move { x };
    let large = |x: u8| {
        let payload = [x; 300];
        async move { payload[299] }
    };
    let count = |f: &mut dyn FnMut()| {
        let before = alloc_counter::this_thread();
        f();
        alloc_counter::this_thread() - before
    };
    let one = |allocations, deallocations| Counts {
        allocations,
        deallocations,
        bytes: 0,
    };
    let strip = |c: Counts| one(c.allocations, c.deallocations);
    assert_eq!(
        strip(count(&mut || {
            block_on(place::<ReusableBox<Local>, _>(
                unit.as_ref(),
                storage.as_mut(),
                small(1),
            ));
        })),
        one(1, 0)
    );
    assert_eq!(
        strip(count(&mut || {
            block_on(place::<ReusableBox<Local>, _>(
                unit.as_ref(),
                storage.as_mut(),
                small(2),
            ));
        })),
        one(0, 0)
    );
    assert_eq!(
        strip(count(&mut || {
            block_on(place::<ReusableBox<Local>, _>(
                unit.as_ref(),
                storage.as_mut(),
                large(3),
            ));
        })),
        one(1, 1)
    );
    // Back to the small future: another layout, so tokio's rule reallocates.
    assert_eq!(
        strip(count(&mut || {
            block_on(place::<ReusableBox<Local>, _>(
                unit.as_ref(),
                storage.as_mut(),
                small(4),
            ));
        })),
        one(1, 1)
    );

    let cache = Box::pin(<CalleeCache<Local> as Strategy>::ObjectState::default());
    let mut u = ();
    assert_eq!(
        strip(count(&mut || {
            block_on(place::<CalleeCache<Local>, _>(
                cache.as_ref(),
                Pin::new(&mut u),
                large(1),
            ));
        })),
        one(1, 0)
    );
    // A smaller future fits the larger block: reused.
    assert_eq!(
        strip(count(&mut || {
            block_on(place::<CalleeCache<Local>, _>(
                cache.as_ref(),
                Pin::new(&mut u),
                small(2),
            ));
        })),
        one(0, 0)
    );
}

#[test]
fn stack_future_or_box_boxes_only_what_does_not_fit() {
    testbed_harness::require_counting_build();
    let unit = Box::pin(());
    let mut storage = Box::pin(());
    let payload = [7u8; 100];
    let before = (alloc_counter::this_thread(), frames::this_thread());
    let value = block_on(place::<StackFutureOrBox<64>, _>(
        unit.as_ref(),
        storage.as_mut(),
        async move { payload[99] },
    ));
    let after = (alloc_counter::this_thread(), frames::this_thread());
    assert_eq!(value, 7);
    assert_eq!((after.0 - before.0).allocations, 1);
    assert_eq!(after.1.heap_fallbacks - before.1.heap_fallbacks, 1);
    let before = alloc_counter::this_thread();
    assert_eq!(
        block_on(StackFuture::<'_, u8, 128>::from_or_box(async move {
            payload[0]
        })),
        7
    );
    assert_eq!((alloc_counter::this_thread() - before).allocations, 0);
}

#[test]
fn box_allocates_once_per_call() {
    testbed_harness::require_counting_build();
    let (unit, mut storage) = (Box::pin(()), Box::pin(()));
    let before = alloc_counter::this_thread();
    for i in 0..10 {
        assert_eq!(
            block_on(place::<Boxed, _>(
                unit.as_ref(),
                storage.as_mut(),
                async move { i }
            )),
            i
        );
    }
    let counts = alloc_counter::this_thread() - before;
    assert_eq!((counts.allocations, counts.deallocations), (10, 10));
}

fn assert_send<T: Send>(_: &T) {}

/// The Sendable forms' futures are `Send`: created on this thread, polled (past a
/// suspension) and dropped on another; the state they give back is then reused here.
#[test]
fn sendable_futures_cross_threads() {
    testbed_harness::require_counting_build();
    fn cross<S: Strategy>(object: Pin<&S::ObjectState>, storage: Pin<&mut S::CallerStorage>)
    where
        for<'a> S::Handle<'a, u32>: Send + Unpin,
        S::ObjectState: Sync,
    {
        let mut handle = S::place(object, storage, async {
            YieldOnce::new().await;
            41 + 1
        });
        assert_send(&handle);
        std::thread::scope(|scope| {
            scope
                .spawn(move || {
                    assert!(poll_once(&mut handle).is_pending());
                    assert_eq!(poll_once(&mut handle), Poll::Ready(42));
                    drop(handle);
                })
                .join()
                .unwrap();
        });
    }
    let object = Box::pin(<CalleeCache<Sendable> as Strategy>::ObjectState::default());
    let mut unit = ();
    cross::<CalleeCache<Sendable>>(object.as_ref(), Pin::new(&mut unit));
    // The block the other thread gave back serves the next call here (spawning a thread
    // allocates, so the reuse is checked on a call of this thread).
    let before = alloc_counter::this_thread();
    block_on(place::<CalleeCache<Sendable>, _>(
        object.as_ref(),
        Pin::new(&mut unit),
        async { 1 },
    ));
    assert_eq!(
        (alloc_counter::this_thread() - before).allocations,
        0,
        "the block came back"
    );

    let inline = Box::pin(<Inline<256, Sendable> as Strategy>::ObjectState::default());
    cross::<Inline<256, Sendable>>(inline.as_ref(), Pin::new(&mut unit));
    cross::<Inline<256, Sendable>>(inline.as_ref(), Pin::new(&mut unit));

    let mut storage = Box::pin(<ReusableBox<Sendable> as Strategy>::CallerStorage::default());
    let none = Box::pin(());
    cross::<ReusableBox<Sendable>>(none.as_ref(), storage.as_mut());
    let before = alloc_counter::this_thread();
    // The same layout as the crossing future's: the block is reused.
    block_on(place::<ReusableBox<Sendable>, _>(
        none.as_ref(),
        storage.as_mut(),
        async {
            YieldOnce::new().await;
            41u32 + 1
        },
    ));
    assert_eq!(
        (alloc_counter::this_thread() - before).allocations,
        0,
        "the block came back"
    );
}
