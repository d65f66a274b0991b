// The "mimalloc" strategy (strategies/mimalloc): its frames come from mimalloc, loaded with
// dlopen(RTLD_LOCAL), while malloc, free and operator new of the process stay glibc's, so
// box in the same process is untouched. A library that cannot be loaded fails loudly.
#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness/alloc_counter.hpp"
#include "harness/frame_error.hpp"
#include "harness/sync_wait.hpp"
#include "harness/task.hpp"
#include "strategies/box/box.hpp"
#include "strategies/mimalloc/mimalloc.hpp"
#include "strategies/root_task.hpp"
#include "tests/conformance/probe.hpp"

// The sanitizers' shadow memory covers the addresses mimalloc asks mmap for, so its segments
// land outside the range mi_is_in_heap_region knows: the heap-region checks are left to the
// plain builds.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TESTBED_TEST_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TESTBED_TEST_UNDER_SANITIZER 1
#endif
#endif

namespace {

using namespace testbed;
using namespace testbed::conformance;
using ::testing::HasSubstr;
using ::testing::Not;

// mimalloc's own test of a pointer: is it inside memory mimalloc manages?
[[maybe_unused]] bool in_mimalloc_heap(const void* p) {
  void* handle = ::dlopen(detail::mimalloc_impl::library, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  if (handle == nullptr) {
    ADD_FAILURE() << "mimalloc is not loaded";
    return false;
  }
  auto* is_in = reinterpret_cast<bool (*)(const void*)>(::dlsym(handle, "mi_is_in_heap_region"));
  ::dlclose(handle);  // drops only the reference RTLD_NOLOAD added
  if (is_in == nullptr) {
    ADD_FAILURE() << "no mi_is_in_heap_region";
    return false;
  }
  return is_in(p);
}

// The address of a local kept in the callee's frame (so, inside the frame).
template <class S>
std::uintptr_t frame_address() {
  auto p = make_probe<S>();
  return sync_wait([&]() -> root_task<std::uintptr_t> {
    caller_storage_t<S> storage{};
    co_return co_await p->aligned16(storage);
  }());
}

TEST(mimalloc_row, frames_come_from_mimalloc_and_box_stays_on_glibc) {
  ASSERT_TRUE(mimalloc::available()) << "libmimalloc.so.2 must be loadable here";
  // mimalloc's symbols are not global: nothing in the process binds to them by name.
  EXPECT_EQ(::dlsym(RTLD_DEFAULT, "mi_version"), nullptr);
  // malloc, as the process resolves it, is not mimalloc's (glibc's, or a sanitizer's
  // interceptor in the sanitizer builds).
  Dl_info info{};
  ASSERT_NE(::dladdr(::dlsym(RTLD_DEFAULT, "malloc"), &info), 0);
  ASSERT_NE(info.dli_fname, nullptr);
  EXPECT_THAT(info.dli_fname, Not(HasSubstr("mimalloc")));

#ifndef TESTBED_TEST_UNDER_SANITIZER
  // A mimalloc frame is in mimalloc's heap; a box frame, malloc's and operator new's
  // memory are not.
  EXPECT_TRUE(in_mimalloc_heap(reinterpret_cast<void*>(frame_address<mimalloc>())));
  EXPECT_FALSE(in_mimalloc_heap(reinterpret_cast<void*>(frame_address<box>())));
  void* m = std::malloc(64);
  void* n = ::operator new(64);
  EXPECT_FALSE(in_mimalloc_heap(m));
  EXPECT_FALSE(in_mimalloc_heap(n));
  std::free(m);
  ::operator delete(n, 64);
#endif
}

TEST(mimalloc_row, every_call_is_one_counted_allocation) {
  auto p = make_probe<mimalloc>();
  sync_wait([&]() -> root_task<void> {
    no_caller_storage storage;
    // The first frame request loads the library (dlopen allocates): warm it up first, so
    // the test holds whether it runs alone (ctest) or after others.
    EXPECT_EQ(co_await p->value(storage, -1), -1);
    const auto a = alloc::this_thread();
    for (int i = 0; i < 10; ++i) EXPECT_EQ(co_await p->value(storage, i), i);
    const auto d = alloc::this_thread() - a;
    EXPECT_EQ(d.allocations, 10u);
    EXPECT_EQ(d.deallocations, 10u);
    EXPECT_GE(d.bytes, 10u * sizeof(void*)) << "the frames' bytes are counted";
  }());
}

TEST(mimalloc_row, a_library_that_cannot_be_loaded_is_a_clear_error) {
  detail::mimalloc_impl::api entry_points{};
  const std::string error =
      detail::mimalloc_impl::try_load("libmimalloc-that-does-not-exist.so.2", entry_points);
  EXPECT_THAT(error, HasSubstr("cannot load libmimalloc-that-does-not-exist.so.2"));
  EXPECT_THAT(error, HasSubstr("libmimalloc2.0"));
  // A library without mimalloc's entry points (glibc's libm) is refused by name.
  const std::string no_symbol = detail::mimalloc_impl::try_load("libm.so.6", entry_points);
  EXPECT_THAT(no_symbol, HasSubstr("has no symbol mi_malloc"));
}

// A frame request when the library cannot be loaded: a frame_error naming the row and the
// reason, never a silent fall back to malloc. In a child process (the load is once per
// process), told to load a file that does not exist.
TEST(mimalloc_row, a_call_without_the_library_throws_frame_error) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::setenv("TESTBED_MIMALLOC_LIBRARY", "libmimalloc-that-does-not-exist.so.2", 1);
        auto p = make_probe<mimalloc>();
        try {
          no_caller_storage storage;
          (void)p->value(storage, 1);
          std::fprintf(stderr, "no error\n");
          std::exit(1);
        } catch (const frame_error& e) {
          std::fprintf(stderr, "%s\n", e.what());
          std::exit(3);
        }
      },
      ::testing::ExitedWithCode(3), "mimalloc: cannot load libmimalloc-that-does-not-exist");
}

}  // namespace
