#include "net/listen.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <string>

namespace broadsheet::net {
namespace {

using tcp = boost::asio::ip::tcp;

TEST(ListenOn, PortZeroPicksAFreePortAndTheSocketAcceptsConnections) {
  boost::asio::io_context ioc;
  tcp::acceptor acceptor(ioc);
  auto port = listen_on(acceptor, "127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.error().message;
  EXPECT_NE(*port, 0);
  tcp::socket client(ioc);
  boost::system::error_code ec;
  client.connect({boost::asio::ip::make_address("127.0.0.1"), *port}, ec);
  EXPECT_FALSE(ec) << ec.message();
}

TEST(ListenOn, ANameIsResolved) {
  boost::asio::io_context ioc;
  tcp::acceptor acceptor(ioc);
  auto port = listen_on(acceptor, "localhost", 0);
  ASSERT_TRUE(port.ok()) << port.error().message;
  EXPECT_TRUE(acceptor.is_open());
}

TEST(ListenOn, ATakenPortSaysWhichStepFailedAndLeavesTheAcceptorClosed) {
  boost::asio::io_context ioc;
  tcp::acceptor first(ioc), second(ioc);
  auto port = listen_on(first, "127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  auto again = listen_on(second, "127.0.0.1", *port);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::io);
  const std::string expected = "cannot listen on 127.0.0.1:" + std::to_string(*port) + ": bind: ";
  EXPECT_EQ(again.error().message.rfind(expected, 0), 0u) << again.error().message;
  EXPECT_FALSE(second.is_open());
}

TEST(ListenOn, AnUnknownHostIsAResolveFailure) {
  boost::asio::io_context ioc;
  tcp::acceptor acceptor(ioc);
  auto port = listen_on(acceptor, "no-such-host.invalid", 0);
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.error().message.find(": resolve: "), std::string::npos) << port.error().message;
}

}  // namespace
}  // namespace broadsheet::net
