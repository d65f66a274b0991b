// Loading the plugin with dlopen, and measuring its frame sizes with one boxed call.
#include <dlfcn.h>

#include "harness/frame_size_probe.hpp"
#include "workloads/plugin/plugin_api.hpp"

#ifndef TESTBED_PLUGIN_PATH
#error "TESTBED_PLUGIN_PATH must name the built plugin"
#endif

namespace testbed::workloads {

plugin_library::plugin_library(const std::string& path) {
  // RTLD_NOW: an unresolved symbol is an error here, not a crash at the first call.
  handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) throw std::runtime_error("cannot load plugin " + path + ": " + dlerror());
  make_ = reinterpret_cast<plugin_make_fn>(dlsym(handle_, plugin_entry_point));
  if (make_ == nullptr) {
    dlclose(handle_);
    throw std::runtime_error("plugin " + path + " has no entry point " + plugin_entry_point);
  }
}

plugin_library::~plugin_library() { dlclose(handle_); }

std::size_t plugin_library::frame_bytes(plugin_kind kind) const {
  auto it = make<frame_size_probe>(kind, 1);
  frame_size_probe::caller_storage storage;
  auto t = it->next(storage);  // the frame exists once the call is made
  return frame_size_probe::last_frame_bytes();
}

std::string default_plugin_path() { return TESTBED_PLUGIN_PATH; }

}  // namespace testbed::workloads
