//! The design post's table of strategies ("the soul of Rust", ../shared/seeds), quoted
//! once, with the same ids and texts as `harness/design_post.hpp`: every Rust strategy row
//! names the entry it stands for.

/// One line of the post's table: an id the claims use to name it, the strategy as the
/// post names it, and its downside in the post's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: &'static str,
    pub strategy: &'static str,
    pub downside: &'static str,
}

pub const BOX_IT: Entry = Entry {
    id: "box-it",
    strategy: "Box it (with default allocator)",
    downside: "requires allocation, not especially efficient",
};
/// Named in the post's list ("Box it with some custom allocator") but not in its table.
pub const CUSTOM_ALLOCATOR: Entry = Entry {
    id: "custom-allocator",
    strategy: "Box it with some custom allocator",
    downside: "(not in the table) still an allocation",
};
pub const CALLER_CACHE: Entry = Entry {
    id: "caller-cache",
    strategy: "Box it with cache on caller side",
    downside: "requires allocation",
};
pub const INLINE_IT: Entry = Entry {
    id: "inline-it",
    strategy: "Inline it into the iterator",
    downside: "adds space to AI, doesn't work for &self",
};
pub const CALLEE_CACHE: Entry = Entry {
    id: "callee-cache",
    strategy: "Box it with cache on callee side",
    downside: "requires allocation, adds space to AI, doesn't work for &self",
};
pub const MAX_SPACE: Entry = Entry {
    id: "maximal-space",
    strategy: "Allocate maximal space",
    downside: "can't necessarily use that across crates, requires extensive interprocedural analysis",
};
pub const FALLBACK: Entry = Entry {
    id: "some-space-fallback",
    strategy: "Allocate some space, fallback",
    downside: "uses allocator, requires extensive interprocedural analysis or else random guesswork",
};
pub const SIDE_STACK: Entry = Entry {
    id: "side-stack",
    strategy: "Side-stack",
    downside: "requires cooperation from runtime and allocation",
};
/// Not in the post: the ABI proposal of the impossibility thread.
pub const SCRATCH_SPACE: Entry = Entry {
    id: "scratch-space",
    strategy: "Caller provides scratch space, box as fallback (not in the post)",
    downside: "(not in the post) needs an ABI extension",
};
