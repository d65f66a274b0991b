// The pool resources behind pmr_pool: one unsynchronized pool per thread, one
// synchronized pool for the process. Both draw chunks from the global operator new (its
// plain form for the default alignment).
#include "strategies/pmr_pool/pmr_pool.hpp"

#include <new>

namespace testbed::detail::pmr_impl {

namespace {

// The pools' upstream: the global operator new, in its plain form for the default
// alignment. std::pmr::new_delete_resource() (libstdc++ 12) always calls the align_val_t
// form, which glibc serves through aligned_alloc, slower than malloc: the pools' chunks and
// their unpooled (over 4 KiB) frames would pay more than box's frames do.
class plain_new_resource final : public std::pmr::memory_resource {
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    if (align > __STDCPP_DEFAULT_NEW_ALIGNMENT__) return ::operator new(bytes, std::align_val_t{align});
    return ::operator new(bytes);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) noexcept override {
    if (align > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
      return ::operator delete(p, bytes, std::align_val_t{align});
    }
    ::operator delete(p, bytes);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
};

std::pmr::memory_resource* upstream() {
  // Constructed in static storage and never destroyed (no allocation, no destructor at
  // exit), so a pool destroyed late can still free into it.
  alignas(plain_new_resource) static unsigned char storage[sizeof(plain_new_resource)];
  static plain_new_resource* const resource = ::new (storage) plain_new_resource;
  return resource;
}

std::pmr::pool_options options() {
  std::pmr::pool_options o;
  o.largest_required_pool_block = largest_pooled_block;
  return o;
}
}  // namespace

std::pmr::memory_resource& this_thread_unsynchronized() {
  static thread_local std::pmr::unsynchronized_pool_resource resource(
      options(), upstream());
  return resource;
}

std::pmr::memory_resource& process_synchronized() {
  // Never destroyed: frames may be freed during static destruction of other objects.
  static auto* resource =
      new std::pmr::synchronized_pool_resource(options(), upstream());
  return *resource;
}

}  // namespace testbed::detail::pmr_impl
