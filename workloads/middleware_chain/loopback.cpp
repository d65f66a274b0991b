// The loopback connection of W8 over real I/O, and the Asio peer's server loop.
#include "workloads/middleware_chain/loopback.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cstdint>
#include <cstring>

namespace testbed::workloads {

namespace asio = boost::asio;

bool read_request(tcp::socket& socket, request& out) {
  std::int32_t id = 0;
  boost::system::error_code error;
  asio::read(socket, asio::buffer(&id, sizeof id), error);
  if (error == asio::error::eof || error == asio::error::connection_reset) return false;
  if (error) throw boost::system::system_error(error, "loopback server: read");
  out = request{id, 0};
  return true;
}

void write_response(tcp::socket& socket, const response& r) {
  std::array<std::int32_t, 4> wire{r.id, r.hops, 0, 0};
  const std::int64_t checksum = r.checksum;
  std::memcpy(&wire[2], &checksum, sizeof checksum);
  asio::write(socket, asio::buffer(wire));
}

loopback_connection::loopback_connection(std::function<void(tcp::socket&)> serve) {
  tcp::acceptor acceptor(context_, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  const auto endpoint = acceptor.local_endpoint();
  // The acceptor is listening before the thread starts, so connect() below cannot race it.
  server_ = std::thread([this, serve = std::move(serve), acceptor = std::move(acceptor)]() mutable {
    try {
      asio::io_context server_context{1};
      tcp::socket socket(server_context);
      acceptor.accept(socket);
      socket.set_option(tcp::no_delay(true));
      serve(socket);
    } catch (...) {
      server_error_ = std::current_exception();
    }
  });
  socket_.connect(endpoint);
  socket_.set_option(tcp::no_delay(true));
}

loopback_connection::~loopback_connection() {
  boost::system::error_code ignored;
  socket_.close(ignored);
  if (server_.joinable()) server_.join();
}

response loopback_connection::call(request r) {
  const std::int32_t id = r.id;
  std::array<std::int32_t, 4> wire{};
  boost::system::error_code error;
  asio::write(socket_, asio::buffer(&id, sizeof id), error);
  if (!error) asio::read(socket_, asio::buffer(wire), error);
  if (error) {
    finish();  // the server ended: its own error says why
    throw boost::system::system_error(error, "loopback client");
  }
  std::int64_t checksum = 0;
  std::memcpy(&checksum, &wire[2], sizeof checksum);
  return response{wire[0], wire[1], checksum};
}

void loopback_connection::finish() {
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  if (server_.joinable()) server_.join();
  socket_.close(ignored);
  if (server_error_) std::rethrow_exception(std::exchange(server_error_, nullptr));
}

peers::awaitable<long> asio_serve_connection(asio_service_stack& stack, tcp::socket& socket) {
  long served = 0;
  request in{};
  while (read_request(socket, in)) {
    write_response(socket, co_await stack.top().call(in));
    ++served;
  }
  co_return served;
}

}  // namespace testbed::workloads
