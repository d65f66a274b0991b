//! The two forms of a strategy with state (`future_form`'s Local and Sendable): the same
//! implementation, with its state in a thread-local `Cell` word (`Local`: the state, the
//! object holding it and the futures it places are `!Send`) or in an atomic word
//! (`Sendable`: they are `Send`, and a future may be polled and dropped on another
//! thread). The form is chosen where the strategy is named (`CalleeCache<Local>`), never
//! in the implementation of the interface.

use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// The word a strategy's state lives in: null (free), [`BUSY`] (a future placed with it is
/// alive, or its handle was leaked), or a pointer to a heap block the strategy caches.
pub trait Word: Default + Unpin {
    /// Replaces the word, returning the old value (taking the cached block, or claiming
    /// the slot by writing BUSY).
    fn swap(&self, value: *mut u8) -> *mut u8;
    /// Gives the block (or the free state) back.
    fn store(&self, value: *mut u8);
    fn load(&self) -> *mut u8;
}

/// The marker of a claimed word; never the address of a real allocation (address 1).
pub const BUSY: *mut u8 = ptr::without_provenance_mut(1);

/// The Local form's word: a `Cell`, `!Send` and `!Sync` (as the raw pointer inside makes
/// it), so whatever holds it stays on its thread.
#[derive(Debug)]
pub struct LocalWord(Cell<*mut u8>, PhantomData<*const ()>);

impl Default for LocalWord {
    fn default() -> Self {
        LocalWord(Cell::new(ptr::null_mut()), PhantomData)
    }
}

impl Word for LocalWord {
    #[inline(always)]
    fn swap(&self, value: *mut u8) -> *mut u8 {
        self.0.replace(value)
    }
    #[inline(always)]
    fn store(&self, value: *mut u8) {
        self.0.set(value)
    }
    #[inline(always)]
    fn load(&self) -> *mut u8 {
        self.0.get()
    }
}

/// The Sendable form's word: an atomic pointer, `Send + Sync`.
#[derive(Debug, Default)]
pub struct SendableWord(AtomicPtr<u8>);

impl Word for SendableWord {
    #[inline(always)]
    fn swap(&self, value: *mut u8) -> *mut u8 {
        // Acquire: whoever takes the word (claims the slot, takes the block) must see
        // every write the previous owner made to the slot or block before giving it back
        // with `store` (Release), possibly on another thread: the previous future's bytes
        // and its drop, which the new future's write would otherwise race with.
        self.0.swap(value, Ordering::Acquire)
    }
    #[inline(always)]
    fn store(&self, value: *mut u8) {
        // Release: pairs with the Acquire of the next `swap` (see there).
        self.0.store(value, Ordering::Release)
    }
    #[inline(always)]
    fn load(&self) -> *mut u8 {
        // Acquire: the owner of the state (its Drop) reads the block another thread may
        // have given back.
        self.0.load(Ordering::Acquire)
    }
}

/// A form: which word the state uses, and its name in the row ("local", "sendable").
pub trait Form: 'static {
    const NAME: &'static str;
    /// True for Local: rows pick their names with it in constant expressions.
    const IS_LOCAL: bool;
    type Word: Word;
}

/// Thread-local state: `Cell`s, no atomics; the object and its futures are `!Send`, so
/// the compiler refuses to move them to another thread:
///
/// ```compile_fail,E0277
/// use std::pin::Pin;
/// use testbed_strategies::{CalleeCache, Local, Strategy};
/// fn assert_send<T: Send>(_: T) {}
/// let object = Box::pin(<CalleeCache<Local> as Strategy>::ObjectState::default());
/// let mut unit = ();
/// assert_send(<CalleeCache<Local>>::place(object.as_ref(), Pin::new(&mut unit), async { 1 }));
/// ```
///
/// while the Sendable form's are `Send`:
///
/// ```
/// use std::pin::Pin;
/// use testbed_strategies::{CalleeCache, Sendable, Strategy};
/// fn assert_send<T: Send>(_: T) {}
/// let object = Box::pin(<CalleeCache<Sendable> as Strategy>::ObjectState::default());
/// let mut unit = ();
/// assert_send(<CalleeCache<Sendable>>::place(object.as_ref(), Pin::new(&mut unit), async { 1 }));
/// ```
#[derive(Debug)]
pub enum Local {}

/// Thread-safe state: atomics; the object and its futures are `Send`.
#[derive(Debug)]
pub enum Sendable {}

impl Form for Local {
    const NAME: &'static str = "local";
    const IS_LOCAL: bool = true;
    type Word = LocalWord;
}

impl Form for Sendable {
    const NAME: &'static str = "sendable";
    const IS_LOCAL: bool = false;
    type Word = SendableWord;
}
