// Slow paths of the side stack arena: new segments, the cache of emptied ones, and misuse
// reports.
#include "harness/task_runtime.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <new>
#include <utility>

#include "harness/frame_error.hpp"

namespace testbed {

lifo_arena::segment* lifo_arena::new_segment(std::size_t data_bytes) {
  // The header sits at the start of the block; data begins at the next aligned address.
  const std::size_t header = round_up(sizeof(segment));
  auto* raw = static_cast<std::byte*>(::operator new(header + data_bytes));
  auto* s = ::new (raw)
      segment{nullptr, nullptr, raw + header, raw + header, raw + header + data_bytes, 0};
  return s;
}

void lifo_arena::free_segment(segment* s) noexcept {
  const std::size_t bytes = static_cast<std::size_t>(s->end - reinterpret_cast<std::byte*>(s));
  ::operator delete(static_cast<void*>(s), bytes);
}

void lifo_arena::unlink_and_free(segment* s) noexcept {
  if (s->previous != nullptr) s->previous->next = s->next;
  if (s->next != nullptr) s->next->previous = s->previous;
  cached_ -= data_bytes(s);
  free_segment(s);
}

void* lifo_arena::push_slow(std::size_t rounded, std::size_t align) {
  // Room for the frame even if the segment's data start must be moved up to `align`.
  const std::size_t needed = rounded + (align > alignment ? align : 0);
  segment* s = current_ != nullptr ? current_->next : nullptr;
  // A cached segment too small for this frame (a frame larger than any before) is freed;
  // the ones above it are larger (geometric growth) and are tried next.
  while (s != nullptr && data_bytes(s) < needed) {
    segment* above = s->next;
    unlink_and_free(s);
    s = above;
  }
  if (s != nullptr) {
    cached_ -= data_bytes(s);  // reused: in use again
  } else {
    const std::size_t previous_size = current_ != nullptr ? data_bytes(current_) : 0;
    s = new_segment(std::max({first_segment_bytes, 2 * previous_size, needed}));
    s->previous = current_;
    if (current_ != nullptr) current_->next = s;
  }
  std::byte* frame = align_up(s->base, align);
  s->top = frame + rounded;
  s->frames = 1;
  current_ = s;
  ++live_;
  return frame;
}

void lifo_arena::retire_current() noexcept {
  // The emptied segment stays linked above the new current one, for the next push_slow.
  segment* empty = current_;
  current_ = empty->previous;
  empty->top = empty->base;
  cached_ += data_bytes(empty);
  // Over the bound: free the cached segments farthest up (the largest) until under it.
  while (cached_ > max_cached_) {
    segment* last = empty;
    while (last->next != nullptr) last = last->next;
    unlink_and_free(last);
    if (last == empty) break;
  }
}

void lifo_arena::trim() noexcept {
  if (current_ == nullptr) return;
  while (current_->next != nullptr) unlink_and_free(current_->next);
  if (live_ == 0) {  // the first segment, empty: nothing is in use
    free_segment(current_);
    current_ = nullptr;
  }
}

void lifo_arena::pop_slow(std::byte* frame, std::size_t size) noexcept {
  fatal_misuse("side_stack",
               fmt::format("non-LIFO release: a frame of {} bytes at {} was freed while it is not "
                           "the top of the task's side stack (an escaping or concurrently awaited "
                           "future); the side stack serves only frames that die in reverse order",
                           size, static_cast<void*>(frame)));
}

std::size_t lifo_arena::segments() const noexcept {
  if (current_ == nullptr) return 0;
  std::size_t n = 0;
  for (segment* s = current_->next; s != nullptr; s = s->next) ++n;
  for (segment* s = current_; s != nullptr; s = s->previous) ++n;
  return n;
}

lifo_arena::~lifo_arena() {
  if (live_ != 0) {
    fatal_misuse("side_stack",
                 fmt::format("the task's side stack was destroyed with {} frame(s) still on it "
                             "(a future escaped the task that created it)",
                             live_));
  }
  if (current_ == nullptr) return;
  while (current_->next != nullptr) unlink_and_free(current_->next);
  while (current_ != nullptr) free_segment(std::exchange(current_, current_->previous));
}

}  // namespace testbed
