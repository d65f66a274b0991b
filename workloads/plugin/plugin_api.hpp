// W6 a separately compiled plugin: the only things the caller and the plugin share are the
// AsyncIterator interface and this C entry point. The caller was compiled without seeing
// any implementation, and some of the plugin's frames are larger than any it knows about.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "workloads/async_iterator/async_iterator.hpp"

namespace testbed::workloads {

// The plugin's implementations: a counter like W1's, and one whose next() keeps 2 KiB of
// state across a suspension point (a frame of about 2.1 KiB).
enum class plugin_kind : int { small = 0, large = 1 };

// extern "C" void* testbed_plugin_make(const char* strategy, int kind, int items):
// an async_iterator<S>* for the strategy named `strategy`, or nullptr if unknown.
inline constexpr const char* plugin_entry_point = "testbed_plugin_make";
using plugin_make_fn = void* (*)(const char*, int, int);

// A loaded plugin (dlopen at run time); unloaded when destroyed, so every object it made
// must be gone first.
class plugin_library {
 public:
  explicit plugin_library(const std::string& path);  // throws std::runtime_error with dlerror()
  ~plugin_library();
  plugin_library(const plugin_library&) = delete;
  plugin_library& operator=(const plugin_library&) = delete;

  template <frame_strategy S>
  std::unique_ptr<async_iterator<S>> make(plugin_kind kind, int items) const {
    void* object = make_(std::string(S::name).c_str(), static_cast<int>(kind), items);
    if (object == nullptr) throw std::runtime_error("the plugin has no strategy " + std::string(S::name));
    return std::unique_ptr<async_iterator<S>>(static_cast<async_iterator<S>*>(object));
  }

  // The frame size of one call of `kind`, measured by making one boxed call into the plugin.
  std::size_t frame_bytes(plugin_kind kind) const;

 private:
  void* handle_;
  plugin_make_fn make_;
};

// Where the build put the plugin (a compile definition of the binaries that load it).
std::string default_plugin_path();

}  // namespace testbed::workloads
