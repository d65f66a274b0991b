// The pool resources behind pmr_pool: one unsynchronized pool per thread, one
// synchronized pool for the process. Both draw chunks from the global operator new.
#include "strategies/pmr_pool/pmr_pool.hpp"

namespace testbed::detail::pmr_impl {

namespace {
std::pmr::pool_options options() {
  std::pmr::pool_options o;
  o.largest_required_pool_block = largest_pooled_block;
  return o;
}
}  // namespace

std::pmr::memory_resource& this_thread_unsynchronized() {
  static thread_local std::pmr::unsynchronized_pool_resource resource(
      options(), std::pmr::new_delete_resource());
  return resource;
}

std::pmr::memory_resource& process_synchronized() {
  // Never destroyed: frames may be freed during static destruction of other objects.
  static auto* resource =
      new std::pmr::synchronized_pool_resource(options(), std::pmr::new_delete_resource());
  return *resource;
}

}  // namespace testbed::detail::pmr_impl
