// The measuring device of recursion_fixed_buffer (claim C11): a workload-local strategy,
// "fixed_buffer", that places every frame of a recursion in ONE fixed buffer the root
// caller provides, bumped like a stack and refusing (frame_error) when it is full. It is
// max-space with a size limit (stackfuture) taken to its most generous form: the levels
// share the whole buffer instead of each level reserving its own. Not a row of the matrix
// (strategies/strategy_list.hpp); only the recursion workload uses it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <fmt/format.h>

#include "harness/frame_error.hpp"
#include "harness/row_manifest.hpp"
#include "harness/strategy_contract.hpp"

namespace testbed::workloads {

// N bytes given by the caller, handed out as a stack of frames: push bumps, pop must free
// the top frame, and a frame that does not fit in what is left is refused.
class bump_buffer {
 public:
  // Frames start at the default new alignment, as operator new would return them.
  static constexpr std::size_t alignment = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

  explicit bump_buffer(std::span<std::byte> bytes) noexcept
      : base_(bytes.data()), top_(bytes.data()), end_(bytes.data() + bytes.size()) {}
  bump_buffer(const bump_buffer&) = delete;
  bump_buffer& operator=(const bump_buffer&) = delete;

  // The bytes one frame of `size` takes from the buffer.
  static constexpr std::size_t footprint(std::size_t size) noexcept {
    return (size + alignment - 1) & ~(alignment - 1);
  }

  void* push(std::size_t size, std::size_t align) {
    if (align > alignment) {
      throw frame_error("fixed_buffer", "frame alignment above the default new alignment");
    }
    const std::size_t need = footprint(size);
    const auto left = static_cast<std::size_t>(end_ - top_);
    if (need > left) {
      throw frame_error("fixed_buffer",
                        fmt::format("the caller's buffer is full at {} frame(s) ({} bytes)",
                                    frames_, capacity()),
                        need, left);
    }
    void* frame = top_;
    top_ += need;
    last_request_ = size;
    if (++frames_ > peak_frames_) peak_frames_ = frames_;
    const auto used = static_cast<std::size_t>(top_ - base_);
    if (used > peak_bytes_) peak_bytes_ = used;
    return frame;
  }

  void pop(void* frame, std::size_t size) noexcept {
    auto* f = static_cast<std::byte*>(frame);
    if (f + footprint(size) != top_) {
      fatal_misuse("fixed_buffer", "non-LIFO release: the freed frame is not the top of the buffer");
    }
    top_ = f;
    --frames_;
  }

  std::size_t capacity() const noexcept { return static_cast<std::size_t>(end_ - base_); }
  std::size_t live_frames() const noexcept { return frames_; }
  // The most frames (levels) alive at once, and the bytes they took, since construction.
  std::size_t peak_frames() const noexcept { return peak_frames_; }
  std::size_t peak_bytes() const noexcept { return peak_bytes_; }
  // The size the compiler asked for in the last frame request that was served.
  std::size_t last_request() const noexcept { return last_request_; }

 private:
  std::byte* base_;
  std::byte* top_;
  std::byte* end_;
  std::size_t frames_ = 0;
  std::size_t peak_frames_ = 0;
  std::size_t peak_bytes_ = 0;
  std::size_t last_request_ = 0;
};

namespace detail {
inline thread_local bump_buffer* current_fixed_buffer = nullptr;
}

// The root caller lends its buffer to every call made on this thread for the scope's
// duration: each level of the recursion takes its frame from it. (A real max-space
// caller passes its buffer as an argument; here the levels below must share it, and the
// chain's code is the same for every strategy, so the buffer is reached like the side
// stack is, through the thread.)
class fixed_buffer_scope {
 public:
  explicit fixed_buffer_scope(bump_buffer& buffer) noexcept
      : previous_(detail::current_fixed_buffer) {
    detail::current_fixed_buffer = &buffer;
  }
  ~fixed_buffer_scope() { detail::current_fixed_buffer = previous_; }
  fixed_buffer_scope(const fixed_buffer_scope&) = delete;
  fixed_buffer_scope& operator=(const fixed_buffer_scope&) = delete;

 private:
  bump_buffer* previous_;
};

// The strategy: every frame from the caller's one fixed buffer, none from the heap.
struct fixed_buffer {
  static constexpr std::string_view name = "fixed_buffer";
  static constexpr row_kind kind = row_kind::device;
  static constexpr std::string_view placement =
      "one fixed buffer the root caller lends, every level's frame bumped from it (measuring "
      "device: how deep a fixed buffer goes before it must refuse)";
  using object_state = no_object_state;
  using caller_storage = no_caller_storage;
  // No allocation ever (the buffer is the caller's); frames of any size up to what is left;
  // frames must die in reverse order of creation.
  static constexpr strategy_traits traits{.first_call_allocations = 0,
                                          .steady_allocations = 0,
                                          .lifo_only = true};

  static void* allocate(const frame_request<fixed_buffer>& request) {
    bump_buffer* buffer = detail::current_fixed_buffer;
    if (buffer == nullptr) {
      throw frame_error(name, "no caller buffer on this thread: open a fixed_buffer_scope");
    }
    return buffer->push(request.size, request.align);
  }

  static void deallocate(void* frame, std::size_t size, std::size_t) noexcept {
    bump_buffer* buffer = detail::current_fixed_buffer;
    if (buffer == nullptr) fatal_misuse(name, "a frame was freed outside its buffer's scope");
    buffer->pop(frame, size);
  }
};

static_assert(frame_strategy<fixed_buffer>);

}  // namespace testbed::workloads
