// Drives one strategy through a sequence of operations decoded from bytes (create a call,
// start it so it suspends, complete it, destroy it before or after completion, a throwing
// call, overlapping calls on one object or one storage, replacing a caller storage) and
// checks each step against a reference model: which frames must be alive, which creations
// the strategy's traits say it must refuse. Used by the seeded property test, the fault
// injection test and the libFuzzer target.
#pragma once

#include <array>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "harness/frame_error.hpp"
#include "harness/frame_stats.hpp"
#include "harness/task.hpp"
#include "harness/task_runtime.hpp"
#include "tests/conformance/probe.hpp"

namespace testbed::reliability {

struct schedule_stats {
  long steps = 0;
  long calls_created = 0;
  long refusals_checked = 0;  // creations the traits said must be refused, and were
  long allocation_failures = 0;
};

template <frame_strategy S>
class schedule_driver {
 public:
  // Small pools make collisions (two calls on one object or one storage) frequent.
  static constexpr int object_count = 3;
  static constexpr int storage_count = 3;
  static constexpr std::size_t max_live = 8;

  schedule_driver() {
    for (auto& o : objects_) o = conformance::make_probe<S>();
    for (auto& s : storages_) s.emplace();
    live_.reserve(max_live + 1);  // no allocation by the driver once faults are armed
  }
  ~schedule_driver() { finish(); }

  // Runs the schedule; returns "" or a description of the first broken expectation.
  std::string run(std::span<const std::uint8_t> ops) {
    std::size_t i = 0;
    auto next = [&]() -> unsigned { return i < ops.size() ? ops[i++] : 0u; };
    while (i < ops.size()) {
      ++stats_.steps;
      std::string error;
      switch (next() % 7) {
        case 0: error = create(next() % object_count, next() % storage_count, kind::value); break;
        case 1: error = create(next() % object_count, next() % storage_count, kind::parks); break;
        case 2: error = complete(next()); break;
        case 3: error = destroy(next()); break;
        case 4: error = throwing_call(next() % object_count, next() % storage_count); break;
        case 5: error = reset_storage(next() % storage_count); break;
        case 6: error = destroy(next()); break;  // destroys are as frequent as creations
      }
      if (error.empty()) error = check_model();
      if (!error.empty()) return "step " + std::to_string(stats_.steps) + ": " + error;
    }
    finish();
    return check_model();
  }

  const schedule_stats& stats() const noexcept { return stats_; }

 private:
  enum class kind { value, parks };
  struct call {
    std::optional<task<int, S>> t;
    int object;
    int storage;
    int value;
    kind k;
    std::coroutine_handle<> parked;
    bool finished = false;
  };

  int calls_on_object(int o) const {
    int n = 0;
    for (const auto& c : live_) n += c.object == o;
    return n;
  }
  int calls_on_storage(int s) const {
    int n = 0;
    for (const auto& c : live_) n += c.storage == s;
    return n;
  }
  // What the traits say: must this creation be refused?
  bool must_refuse(int o, int s) const {
    constexpr strategy_traits t = S::traits;
    return (t.calls_per_object != unlimited_calls && calls_on_object(o) >= t.calls_per_object) ||
           (t.calls_per_storage != unlimited_calls && calls_on_storage(s) >= t.calls_per_storage);
  }

  std::string create(int o, int s, kind k) {
    if (live_.size() >= max_live) return {};
    const bool refuse = must_refuse(o, s);
    const int v = ++next_value_;
    try {
      call c{std::nullopt, o, s, v, k, {}};
      if (k == kind::value) {
        c.t.emplace(objects_[o]->value(*storages_[s], v));
      } else {
        c.t.emplace(objects_[o]->parks(*storages_[s], &live_parked_, v));
      }
      if (refuse) return "a creation the traits exclude was accepted";
      ++stats_.calls_created;
      live_.push_back(std::move(c));
      if (k == kind::parks) {  // start it: it runs until it parks
        live_parked_ = {};
        detail::task_access::handle(*live_.back().t).resume();
        if (!live_parked_) return "a parking call did not park";
        live_.back().parked = live_parked_;
      }
    } catch (const frame_error&) {
      if (!refuse) return "a creation the traits allow was refused";
      ++stats_.refusals_checked;
    } catch (const std::bad_alloc&) {
      ++stats_.allocation_failures;  // injected: nothing was created
    }
    return {};
  }

  std::string complete(unsigned pick) {
    if (live_.empty()) return {};
    call& c = live_[pick % live_.size()];
    if (c.finished) return {};
    auto h = detail::task_access::handle(*c.t);
    if (c.k == kind::parks) {
      c.parked.resume();
    } else {
      h.resume();
    }
    if (!h.done()) return "a call did not complete when resumed";
    c.finished = true;
    if (h.promise().take_result() != c.value) return "a call returned the wrong value";
    return {};
  }

  std::string destroy(unsigned pick) {
    if (live_.empty()) return {};
    // LIFO-only strategies: always the newest (their non-LIFO misuse has its own death test).
    std::size_t index = S::traits.lifo_only ? live_.size() - 1 : pick % live_.size();
    live_.erase(live_.begin() + static_cast<std::ptrdiff_t>(index));
    return {};
  }

  std::string throwing_call(int o, int s) {
    if (live_.size() >= max_live) return {};
    const bool refuse = must_refuse(o, s);
    try {
      auto t = objects_[o]->fails(*storages_[s]);
      if (refuse) return "a creation the traits exclude was accepted";
      auto h = detail::task_access::handle(t);
      h.resume();
      if (!h.done()) return "a throwing call did not finish";
      try {
        h.promise().take_result();
        return "the callee's exception was lost";
      } catch (const std::runtime_error&) {
      }
    } catch (const frame_error&) {
      if (!refuse) return "a creation the traits allow was refused";
      ++stats_.refusals_checked;
    } catch (const std::bad_alloc&) {
      ++stats_.allocation_failures;
    }
    return {};
  }

  std::string reset_storage(int s) {
    // A storage holding a frame must outlive it (its death there is a fatal misuse with a
    // death test of its own): only idle storages are replaced.
    if (S::traits.frames_in_caller_storage && calls_on_storage(s) > 0) return {};
    storages_[s].reset();
    storages_[s].emplace();
    return {};
  }

  std::string check_model() const {
    const auto now = frames_this_thread();
    const auto alive = static_cast<std::uint64_t>(live_.size());
    if (now.frames - start_.frames - (now.freed - start_.freed) != alive) {
      return "frames alive (" + std::to_string(now.frames - start_.frames - (now.freed - start_.freed)) +
             ") differ from the model's live calls (" + std::to_string(alive) + ")";
    }
    return {};
  }

  void finish() {
    while (!live_.empty()) live_.pop_back();  // newest first: LIFO for the side stack
  }

  task_runtime runtime_;
  runtime_scope scope_{runtime_};
  frame_record start_ = frames_this_thread();
  std::array<std::unique_ptr<conformance::probe<S>>, object_count> objects_;
  std::array<std::optional<caller_storage_t<S>>, storage_count> storages_;
  std::vector<call> live_;
  std::coroutine_handle<> live_parked_;
  int next_value_ = 0;
  schedule_stats stats_;
};

}  // namespace testbed::reliability
