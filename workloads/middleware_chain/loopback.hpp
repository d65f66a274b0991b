// W8 over real I/O: one TCP connection over the loopback interface (Boost.Asio sockets);
// a server thread answers each request by running it through a middleware chain.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <exception>
#include <functional>
#include <thread>

#include "harness/task.hpp"
#include "strategies/root_task.hpp"
#include "workloads/middleware_chain/middleware.hpp"
#include "workloads/middleware_chain/middleware_asio.hpp"

namespace testbed::workloads {

using boost::asio::ip::tcp;

// Blocking framing on a connected socket: a request is its id (4 bytes), a response its
// id, hops and checksum (16 bytes). read_request returns false when the peer closed.
bool read_request(tcp::socket& socket, request& out);
void write_response(tcp::socket& socket, const response& r);

// A client connected to a server thread of its own on 127.0.0.1 (an ephemeral port). The
// server accepts this one connection and runs serve(socket) until the client closes it;
// an exception there is kept and rethrown by the client's next call() or by finish().
class loopback_connection {
 public:
  explicit loopback_connection(std::function<void(tcp::socket&)> serve);
  ~loopback_connection();  // closes the connection and joins the server thread
  loopback_connection(const loopback_connection&) = delete;
  loopback_connection& operator=(const loopback_connection&) = delete;

  // One request, answered over the socket (both directions blocking, Nagle off).
  response call(request r);
  // Closes the connection, joins the server and rethrows its exception, if any.
  void finish();

 private:
  boost::asio::io_context context_{1};
  tcp::socket socket_{context_};
  std::thread server_;
  std::exception_ptr server_error_;
};

// The server's loop for a testbed strategy: one root task on the server thread, one
// caller storage for the top call, as serve_requests does in memory.
template <frame_strategy S>
root_task<long> serve_connection(service_stack<S>& stack, tcp::socket& socket) {
  caller_storage_t<S> storage{};
  long served = 0;
  request in{};
  while (read_request(socket, in)) {
    write_response(socket, co_await stack.top().call(storage, in));
    ++served;
  }
  co_return served;
}

// The same loop for the Boost.Asio peer.
peers::awaitable<long> asio_serve_connection(asio_service_stack& stack, tcp::socket& socket);

// Calls run on the server thread only (created there, finished there): the chain's needs.
inline constexpr workload_needs loopback_needs = chain_of_services_needs;

}  // namespace testbed::workloads
