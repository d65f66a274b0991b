// Slow paths of the side stack arena: new segments, the spare, and misuse reports.
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
  auto* s = ::new (raw) segment{nullptr, raw + header, raw + header, raw + header + data_bytes, 0};
  return s;
}

void lifo_arena::free_segment(segment* s) noexcept {
  const std::size_t bytes = static_cast<std::size_t>(s->end - reinterpret_cast<std::byte*>(s));
  ::operator delete(static_cast<void*>(s), bytes);
}

void* lifo_arena::push_slow(std::size_t rounded, std::size_t align) {
  const std::size_t previous_size =
      current_ ? static_cast<std::size_t>(current_->end - current_->base) : 0;
  // Room for the frame even if the segment's data start must be moved up to `align`.
  const std::size_t needed = rounded + (align > alignment ? align : 0);
  const std::size_t wanted = std::max({first_segment_bytes, 2 * previous_size, needed});
  segment* s;
  if (spare_ != nullptr && static_cast<std::size_t>(spare_->end - spare_->base) >= needed) {
    s = std::exchange(spare_, nullptr);
  } else {
    s = new_segment(wanted);
  }
  s->previous = current_;
  std::byte* frame = align_up(s->base, align);
  s->top = frame + rounded;
  s->frames = 1;
  current_ = s;
  ++live_;
  return frame;
}

void lifo_arena::retire_current() noexcept {
  segment* empty = current_;
  current_ = empty->previous;
  // Keep the larger of the emptied segment and the spare; free the other.
  if (spare_ == nullptr) {
    spare_ = empty;
  } else if (spare_->end - spare_->base < empty->end - empty->base) {
    free_segment(std::exchange(spare_, empty));
  } else {
    free_segment(empty);
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
  std::size_t n = spare_ ? 1 : 0;
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
  while (current_ != nullptr) free_segment(std::exchange(current_, current_->previous));
  if (spare_ != nullptr) free_segment(spare_);
}

}  // namespace testbed
