// Frees a thread's recycled blocks when the thread exits (the cold part of "recycling").
#include "strategies/recycling/recycling.hpp"

namespace testbed::detail::recycling_impl {

namespace {
struct cleanup_at_exit {
  ~cleanup_at_exit() {
    auto& c = cache;
    for (std::size_t i = 0; i < class_count; ++i) {
      while (free_block* b = c.head[i]) {
        c.head[i] = b->next;
        ::operator delete(static_cast<void*>(b), smallest_class << i);
      }
      c.count[i] = 0;
    }
  }
};
}  // namespace

void register_cleanup() noexcept {
  // Touching a thread_local with a destructor registers that destructor for this thread.
  static thread_local cleanup_at_exit guard;
  (void)guard;
  cache.cleanup_registered = true;
}

}  // namespace testbed::detail::recycling_impl
