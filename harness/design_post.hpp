// The design post's table of strategies ("the soul of Rust", ../shared/seeds), quoted once:
// every strategy row names the entry it stands for, and the report's design table is built
// from these declarations (harness/row_manifest.hpp writes them into every results file).
#pragma once

#include <string_view>

namespace testbed::design_post {

// One line of the post's table: an id the claims use to name it (kebab-case, so it is
// never mistaken for a row name), the strategy as the post names it, and its downside in
// the post's words.
struct entry {
  std::string_view id;
  std::string_view strategy;
  std::string_view downside;
};

inline constexpr entry box_it{"box-it", "Box it (with default allocator)",
                              "requires allocation, not especially efficient"};
// Named in the post's list ("Box it with some custom allocator") but not in its table.
inline constexpr entry custom_allocator{"custom-allocator", "Box it with some custom allocator",
                                        "(not in the table) still an allocation"};
inline constexpr entry caller_cache{"caller-cache", "Box it with cache on caller side",
                                    "requires allocation"};
inline constexpr entry inline_it{"inline-it", "Inline it into the iterator",
                                 "adds space to AI, doesn't work for &self"};
inline constexpr entry callee_cache{
    "callee-cache", "Box it with cache on callee side",
    "requires allocation, adds space to AI, doesn't work for &self"};
inline constexpr entry max_space{
    "maximal-space", "Allocate maximal space",
    "can't necessarily use that across crates, requires extensive interprocedural analysis"};
inline constexpr entry fallback{"some-space-fallback", "Allocate some space, fallback",
                                "uses allocator, requires extensive interprocedural analysis or "
                                "else random guesswork"};
inline constexpr entry side_stack{"side-stack", "Side-stack",
                                  "requires cooperation from runtime and allocation"};
// Not in the post: the ABI proposal of the impossibility thread (caller-provided scratch
// space with box as fallback).
inline constexpr entry scratch_space{
    "scratch-space", "Caller provides scratch space, box as fallback (not in the post)",
    "(not in the post) needs an ABI extension"};

}  // namespace testbed::design_post
