// Frees the harness frame cache of a thread when the thread exits.
#include "harness/harness_frames.hpp"

namespace testbed::detail::harness_frames_impl {

namespace {
struct cleanup_at_exit {
  ~cleanup_at_exit() {
    for (auto& b : this_thread.buckets) {
      while (free_block* block = b.head) {
        b.head = block->next;
        ::operator delete(static_cast<void*>(block), b.size, std::align_val_t{default_frame_alignment});
      }
      b.count = 0;
    }
  }
};
}  // namespace

void register_cleanup() noexcept {
  static thread_local cleanup_at_exit guard;
  (void)guard;
  this_thread.cleanup_registered = true;
}

}  // namespace testbed::detail::harness_frames_impl
