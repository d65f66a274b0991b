// The per-task runtime services a strategy may rely on: today the side stack, a segmented
// LIFO arena in the style of libfork's stacklets and Swift's task allocator. sync_wait and
// single_thread_executor::run install one for the root task they run.
#pragma once

#include <cstddef>
#include <cstdint>

namespace testbed {

// A stack of frames in segments: push bumps a pointer, pop must free the top frame.
// Segments grow geometrically (each at least twice the previous) and form a doubly linked
// chain. A segment emptied by pops stays linked after the current one, as libfork's
// stacklets and Swift's task allocator keep theirs, and the next push that crosses the
// boundary reuses it: a recursion that goes deep again and again allocates its segments
// once, instead of freeing and re-mapping (page-faulting) them every time. The cache is
// bounded (max_cached_bytes) and trim() frees it.
class lifo_arena {
 public:
  // The first segment's size: 4 KiB holds dozens of typical frames (56 to 200 bytes) and
  // is one page, so a task that never recurses deeply pays for one small allocation.
  static constexpr std::size_t first_segment_bytes = 4096;
  // Frames are aligned to the default new alignment, as operator new would return.
  static constexpr std::size_t alignment = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
  // The default bound on bytes held in emptied (cached) segments, beyond which emptied
  // segments are freed (largest first). 512 MiB: recursion_chain 1,048,576 levels deep
  // fills 140 MB (clang-19) to 160 MB (g++ 12) of segments, in segments of 4 KiB doubling
  // up to 128 MiB, which cache 256 MiB less 8 KiB once emptied; 512 MiB keeps that chain
  // with one doubling of headroom (frames a little larger), and bounds what a task that
  // once recursed that deep keeps.
  static constexpr std::size_t default_max_cached_bytes = std::size_t{512} << 20;

  lifo_arena() noexcept = default;
  // An arena whose cache of emptied segments holds at most `max_cached_bytes` of segment
  // data (0: emptied segments are freed at once, except the first one).
  explicit lifo_arena(std::size_t max_cached_bytes) noexcept : max_cached_(max_cached_bytes) {}
  lifo_arena(const lifo_arena&) = delete;
  lifo_arena& operator=(const lifo_arena&) = delete;
  ~lifo_arena();  // a frame still alive here is a fatal misuse (it escaped its task)

  // A frame of `size` bytes aligned to `align` (a power of two).
  void* push(std::size_t size, std::size_t align = alignment) {
    const std::size_t rounded = round_up(size);
    if (current_ != nullptr) {
      std::byte* frame = align_up(current_->top, align);
      if (frame <= current_->end && static_cast<std::size_t>(current_->end - frame) >= rounded) {
        current_->top = frame + rounded;
        ++current_->frames;
        ++live_;
        return frame;
      }
    }
    return push_slow(rounded, align);
  }

  // Frees the top frame; anything else is a non-LIFO release, a fatal misuse.
  void pop(void* frame, std::size_t size) noexcept {
    auto* f = static_cast<std::byte*>(frame);
    if (current_ == nullptr || f + round_up(size) != current_->top) return pop_slow(f, size);
    current_->top = f;
    --live_;
    if (--current_->frames == 0 && current_->previous != nullptr) retire_current();
  }

  std::size_t live_frames() const noexcept { return live_; }
  std::size_t segments() const noexcept;  // segments in use, plus the cached ones
  // Bytes of segment data held by emptied segments kept for reuse (at most
  // max_cached_bytes()).
  std::size_t cached_bytes() const noexcept { return cached_; }
  std::size_t max_cached_bytes() const noexcept { return max_cached_; }
  // Frees every segment that holds no frame: the cached ones, and the first segment too
  // when the arena is empty. The next push allocates again.
  void trim() noexcept;

 private:
  struct segment {
    segment* previous;
    segment* next;  // the cached (emptied) segment above this one, if any
    std::byte* base;
    std::byte* top;
    std::byte* end;
    std::size_t frames;  // frames alive in this segment
  };
  static std::size_t round_up(std::size_t n) noexcept {
    return (n + alignment - 1) & ~(alignment - 1);
  }
  static std::byte* align_up(std::byte* p, std::size_t align) noexcept {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    return p + (((a + align - 1) & ~(std::uintptr_t{align} - 1)) - a);
  }
  void* push_slow(std::size_t rounded, std::size_t align);
  void pop_slow(std::byte* frame, std::size_t size) noexcept;
  void retire_current() noexcept;
  static segment* new_segment(std::size_t data_bytes);
  static void free_segment(segment* s) noexcept;
  static std::size_t data_bytes(const segment* s) noexcept {
    return static_cast<std::size_t>(s->end - s->base);
  }
  void unlink_and_free(segment* s) noexcept;  // a cached segment

  segment* current_ = nullptr;  // the top segment in use (the first one may be empty)
  std::size_t live_ = 0;
  std::size_t cached_ = 0;  // data bytes of the segments linked after current_
  std::size_t max_cached_ = default_max_cached_bytes;
};

// The services of one running task.
struct task_runtime {
  lifo_arena side_stack;
};

namespace detail {
inline thread_local task_runtime* current_runtime = nullptr;
}

// The runtime of the task running on this thread, or nullptr outside any task.
inline task_runtime* current_task_runtime() noexcept { return detail::current_runtime; }

// Installs a runtime for the scope's duration (restoring the previous one after), as an
// executor does around the task it runs.
class runtime_scope {
 public:
  explicit runtime_scope(task_runtime& runtime) noexcept : previous_(detail::current_runtime) {
    detail::current_runtime = &runtime;
  }
  ~runtime_scope() { detail::current_runtime = previous_; }
  runtime_scope(const runtime_scope&) = delete;
  runtime_scope& operator=(const runtime_scope&) = delete;

 private:
  task_runtime* previous_;
};

}  // namespace testbed
