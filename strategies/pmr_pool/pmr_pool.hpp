// Strategy "pmr_pool": frames from a std::pmr pool resource, as Boost.Cobalt takes frames
// from a per-thread pmr resource. Local: a per-thread unsynchronized_pool_resource;
// Sendable: one process-wide synchronized_pool_resource.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <string_view>
#include <type_traits>

#include "harness/forms.hpp"
#include "harness/frame_error.hpp"
#include "harness/frame_trailer.hpp"
#include "harness/design_post.hpp"
#include "harness/static_string.hpp"
#include "harness/strategy_contract.hpp"

namespace testbed {

namespace detail::pmr_impl {
// Pools up to 4 KiB: the largest frames of the workloads (W2 goes to 4 KiB) stay pooled.
inline constexpr std::size_t largest_pooled_block = 4096;
std::pmr::memory_resource& this_thread_unsynchronized();  // pmr_pool.cpp
std::pmr::memory_resource& process_synchronized();        // pmr_pool.cpp
}  // namespace detail::pmr_impl

template <future_form F>
struct pmr_pool {
  static constexpr bool local = std::is_same_v<F, local_form>;
  // The design post's strategy this row stands for, and where its frames go.
  static constexpr const design_post::entry& design = design_post::custom_allocator;
  static constexpr std::string_view placement = "a std::pmr pool resource";
  // The family and form the row manifest records (harness/row_manifest.hpp).
  static constexpr std::string_view family = "pmr_pool";
  using form = F;
  // The row name: family + the form's suffix ("pmr_pool_local").
  static constexpr std::string_view name = concat<family, F::suffix>;
  using object_state = no_object_state;
  using caller_storage = no_caller_storage;
  // First call on a fresh thread (counted by the conformance suite with libstdc++ 12): the
  // unsynchronized pool allocates its pool table, the pool's chunk list and a chunk (3);
  // the synchronized one its per-thread pools (4), after 3 more allocations for its
  // shared tables the very first time any thread uses it in the process.
  static constexpr strategy_traits traits{.first_call_allocations = local ? 3 : 4,
                                          .steady_allocations = 0,
                                          .same_thread_release = std::is_same_v<F, local_form>};

  static void* allocate(const frame_request<pmr_pool>& request) {
    if constexpr (local) {
      // The trailer records the owning thread's resource: freeing into another thread's
      // unsynchronized pool would be a data race, so it is detected (deallocate).
      auto& resource = detail::pmr_impl::this_thread_unsynchronized();
      void* frame = resource.allocate(with_trailer(request.size), request.align);
      set_trailer(frame, request.size, &resource);
      return frame;
    } else {
      return detail::pmr_impl::process_synchronized().allocate(request.size, request.align);
    }
  }

  static void deallocate(void* frame, std::size_t size, std::size_t align) noexcept {
    if constexpr (local) {
      auto& resource = detail::pmr_impl::this_thread_unsynchronized();
      if (get_trailer<std::pmr::memory_resource>(frame, size) != &resource) {
        fatal_misuse(name,
                     "a frame was freed on another thread than the one whose unsynchronized "
                     "pool allocated it (use pmr_pool<sendable_form>)");
      }
      resource.deallocate(frame, with_trailer(size), align);
    } else {
      detail::pmr_impl::process_synchronized().deallocate(frame, size, align);
    }
  }
};

static_assert(frame_strategy<pmr_pool<local_form>>);
static_assert(frame_strategy<pmr_pool<sendable_form>>);

using pmr_pool_local = pmr_pool<local_form>;
using pmr_pool_sendable = pmr_pool<sendable_form>;

}  // namespace testbed
