// The Boost.Asio peer row: interfaces whose virtual functions return boost::asio::awaitable<T>
// (frames from Asio's per-thread recycling allocator), and how the harness runs them.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>
#include <string_view>
#include <utility>

#include "harness/row_manifest.hpp"

namespace testbed::peers {

// The peer's row in the results: "<workload>/asio_awaitable/<args>".
inline constexpr plain_row asio_awaitable_row{
    "asio_awaitable", row_kind::peer,
    "boost::asio::awaitable<T>: frames from Asio's per-thread recycling allocator"};

template <class T>
using awaitable = boost::asio::awaitable<T>;

// A root awaitable spawned on a one-thread io_context, run to completion on the calling
// thread by run(). Spawning (which allocates the root's frames) and running are separate
// so that a benchmark can count only what the calls inside the run allocate.
template <class T>
class asio_root {
 public:
  explicit asio_root(awaitable<T> root) {
    boost::asio::co_spawn(context_, std::move(root), [this](std::exception_ptr error, T value) {
      if (error) {
        error_ = error;
      } else {
        value_.emplace(std::move(value));
      }
    });
  }

  // Runs the io_context until the root has finished; its value, or its exception rethrown.
  T run() {
    context_.run();
    if (error_) std::rethrow_exception(error_);
    return std::move(*value_);
  }

 private:
  // Concurrency hint 1: only this thread runs the context, so Asio may skip its locking
  // (what a single-threaded Asio server does).
  boost::asio::io_context context_{1};
  std::optional<T> value_;
  std::exception_ptr error_;
};

// Runs an awaitable to completion on a fresh io_context on this thread.
template <class T>
T run_awaitable(awaitable<T> root) {
  return asio_root<T>(std::move(root)).run();
}

}  // namespace testbed::peers
