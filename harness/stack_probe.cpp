// Implementation of the painted-stack probe (see stack_probe.hpp): mmap a stack with a
// guard page, paint it, run the function on a pthread using it, scan for the deepest write.
#include "harness/stack_probe.hpp"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>

namespace testbed {

namespace {

// Any byte value works; 0xA5 is unlikely to be written by chance (not 0, not 0xFF, not
// ASCII) so a byte still holding it was almost certainly never touched.
constexpr unsigned char paint = 0xA5;

struct thread_job {
  const std::function<void()>* fn;
  std::exception_ptr error;
};

void* thread_entry(void* arg) {
  auto* job = static_cast<thread_job*>(arg);
  try {
    (*job->fn)();
  } catch (...) {
    job->error = std::current_exception();
  }
  return nullptr;
}

}  // namespace

stack_usage run_on_painted_stack(std::size_t stack_size, const std::function<void()>& fn) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  stack_size = (stack_size + page - 1) / page * page;
  if (stack_size < static_cast<std::size_t>(PTHREAD_STACK_MIN)) {
    throw std::invalid_argument("run_on_painted_stack: stack smaller than PTHREAD_STACK_MIN");
  }
  const std::size_t mapped = stack_size + page;  // one guard page below the stack
  void* base = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) throw std::runtime_error("run_on_painted_stack: mmap failed");
  auto* low = static_cast<unsigned char*>(base) + page;
  mprotect(base, page, PROT_NONE);
  std::memset(low, paint, stack_size);

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstack(&attr, low, stack_size);
  thread_job job{&fn, nullptr};
  pthread_t thread;
  const int rc = pthread_create(&thread, &attr, thread_entry, &job);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    munmap(base, mapped);
    throw std::runtime_error("run_on_painted_stack: pthread_create failed: " + std::to_string(rc));
  }
  pthread_join(thread, nullptr);

  std::size_t untouched = 0;
  while (untouched < stack_size && low[untouched] == paint) ++untouched;
  munmap(base, mapped);
  if (job.error) std::rethrow_exception(job.error);
  return {stack_size, stack_size - untouched};
}

std::size_t stack_overhead(std::size_t stack_size) {
  return run_on_painted_stack(stack_size, [] {}).high_water;
}

}  // namespace testbed
