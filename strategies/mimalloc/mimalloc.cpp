// Loads mimalloc for the "mimalloc" strategy: dlopen with RTLD_LOCAL, so that its malloc
// and free never take the place of glibc's for the rest of the process.
#include "strategies/mimalloc/mimalloc.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <new>
#include <string>

#include "harness/frame_error.hpp"

namespace testbed::detail::mimalloc_impl {

std::string try_load(const char* file, api& out) {
  // RTLD_LOCAL: the library's symbols (malloc and free among them) are not made global,
  // so no later lookup in the process binds to them. RTLD_NOW: every symbol of the library
  // is resolved here, not lazily on a timed path. The handle is never closed.
  void* handle = ::dlopen(file, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    return std::string("cannot load ") + file + " (install Debian's libmimalloc2.0): " +
           (why != nullptr ? why : "unknown dlopen error");
  }
  std::string error;
  auto resolve = [&](const char* symbol) -> void* {
    void* p = ::dlsym(handle, symbol);
    if (p == nullptr && error.empty()) error = std::string(file) + " has no symbol " + symbol;
    return p;
  };
  out.malloc = reinterpret_cast<void* (*)(std::size_t)>(resolve("mi_malloc"));
  out.malloc_aligned =
      reinterpret_cast<void* (*)(std::size_t, std::size_t)>(resolve("mi_malloc_aligned"));
  out.free = reinterpret_cast<void (*)(void*)>(resolve("mi_free"));
  return error;
}

namespace {

struct load_result {
  api entry_points{};
  std::string error;  // empty when loaded
};

const load_result& result() {
  // Once per process (thread-safe), and never destroyed: frames may be freed during the
  // static destruction of other objects. Placed in static storage, so loading makes no
  // counted allocation (the first call of the row allocates its frame only).
  alignas(load_result) static unsigned char storage[sizeof(load_result)];
  static const load_result* r = [] {
    auto* loaded_result = ::new (storage) load_result;
    // TESTBED_MIMALLOC_LIBRARY names another file (tests check the failure with it).
    const char* file = std::getenv("TESTBED_MIMALLOC_LIBRARY");
    loaded_result->error = try_load(file != nullptr ? file : library, loaded_result->entry_points);
    return loaded_result;
  }();
  return *r;
}

}  // namespace

const api& load() {
  const load_result& r = result();
  if (!r.error.empty()) throw frame_error("mimalloc", r.error);
  loaded.store(&r.entry_points, std::memory_order_release);
  return r.entry_points;
}

}  // namespace testbed::detail::mimalloc_impl

namespace testbed {

bool mimalloc::available() noexcept {
  try {
    (void)detail::mimalloc_impl::load();
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace testbed
