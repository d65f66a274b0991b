// The plugin: built as a shared module of its own, loaded with dlopen. Its implementations
// are instantiated for every strategy here; the caller reaches them only through the C
// entry point and the interface's vtable.
#include <coroutine>
#include <cstring>
#include <string_view>

#include "harness/frame_size_probe.hpp"
#include "strategies/strategy_list.hpp"
#include "workloads/plugin/plugin_api.hpp"

namespace {

using namespace testbed;
using namespace testbed::workloads;

struct maybe_suspend {
  bool await_ready() const noexcept { return false; }
  [[gnu::noinline]] bool await_suspend(std::coroutine_handle<>) const noexcept { return false; }
  void await_resume() const noexcept {}
};

[[gnu::noinline]] void touch(volatile unsigned char* bytes, std::size_t n) {
  bytes[0] = 1;
  bytes[n - 1] = 1;
}

template <frame_strategy S>
class plugin_counter final : public async_iterator<S> {
 public:
  explicit plugin_counter(int items) : state_(items) {}
  task<std::optional<int>, S> next(caller_storage_t<S>&) override { co_return state_.advance(); }

 private:
  counter_state state_;
};

// 2 KiB of state kept across a suspension point: a frame larger than any in the caller.
inline constexpr std::size_t large_state_bytes = 2048;

template <frame_strategy S>
class plugin_large_counter final : public async_iterator<S> {
 public:
  explicit plugin_large_counter(int items) : state_(items) {}
  task<std::optional<int>, S> next(caller_storage_t<S>&) override {
    unsigned char scratch[large_state_bytes];
    touch(scratch, sizeof scratch);
    co_await maybe_suspend{};
    touch(scratch, sizeof scratch);
    co_return state_.advance();
  }

 private:
  counter_state state_;
};

}  // namespace

extern "C" [[gnu::visibility("default")]] void* testbed_plugin_make(const char* strategy, int kind,
                                                                     int items) {
  void* made = nullptr;
  // Every row, and the probe that measures the plugin's frame sizes for the caller.
  auto make_for = [&]<class S>() {
    if (made != nullptr || std::string_view(strategy) != S::name) return;
    async_iterator<S>* object = nullptr;
    if (kind == static_cast<int>(plugin_kind::small)) object = new plugin_counter<S>(items);
    if (kind == static_cast<int>(plugin_kind::large)) object = new plugin_large_counter<S>(items);
    made = object;
  };
  for_each_type(type_list<frame_size_probe>{}, make_for);
  for_each_type(all_strategies{}, make_for);
  return made;
}
