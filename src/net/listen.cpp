#include "net/listen.hpp"

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>
#include <string_view>

namespace broadsheet::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Result<unsigned short> listen_on(tcp::acceptor& acceptor, const std::string& host,
                                 unsigned short port) {
  auto fail = [&](std::string_view step, const boost::system::error_code& ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return make_error(Errc::io, fmt::format("cannot listen on {}:{}: {}: {}", host, port, step,
                                            ec.message()));
  };
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, port);
  } else {
    tcp::resolver resolver(acceptor.get_executor());
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return fail("resolve", ec);
    if (results.empty()) return fail("resolve", asio::error::host_not_found);
    endpoint = results.begin()->endpoint();
  }
  if (acceptor.open(endpoint.protocol(), ec); ec) return fail("open", ec);
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return fail("reuse_address", ec);
  }
  if (acceptor.bind(endpoint, ec); ec) return fail("bind", ec);
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return fail("listen", ec);
  }
  auto bound = acceptor.local_endpoint(ec);
  if (ec) return fail("local_endpoint", ec);
  return bound.port();
}

}  // namespace broadsheet::net
