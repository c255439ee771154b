#include "inbound/listener.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

namespace broadsheet::inbound {
namespace {
namespace net = boost::asio;
using tcp = net::ip::tcp;

// A blocking client: sends text, reads until `lines` reply lines have come.
class Client {
 public:
  explicit Client(unsigned short port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }
  std::string read_lines(int lines) {
    std::string out;
    for (int i = 0; i < lines; ++i) {
      boost::system::error_code ec;
      std::size_t n = net::read_until(socket_, net::dynamic_buffer(buffer_), "\r\n", ec);
      if (ec) return out + "<closed>";
      out += buffer_.substr(0, n);
      buffer_.erase(0, n);
    }
    return out;
  }
  void send(std::string_view text) { net::write(socket_, net::buffer(text)); }
  bool closed() {
    boost::system::error_code ec;
    net::read_until(socket_, net::dynamic_buffer(buffer_), "\r\n", ec);
    return static_cast<bool>(ec);
  }

 private:
  net::io_context ioc_;
  tcp::socket socket_;
  std::string buffer_;
};

struct Fixture {
  std::atomic<int> delivered{0};
  std::string last;
  std::mutex mutex;
  std::unique_ptr<Listener> listener;
  unsigned short port = 0;

  explicit Fixture(ListenerOptions options = {}) {
    listener = std::make_unique<Listener>(
        options, Hooks{[](std::string_view a) { return a.starts_with("bounce+"); }},
        [this](std::string_view recipient, std::string_view message) {
          std::lock_guard lock(mutex);
          last = std::string(recipient) + "|" + std::string(message);
          ++delivered;
          return recipient.find("fail") != std::string_view::npos ? Outcome::retry_later
                                                                  : Outcome::handled;
        });
    auto p = listener->listen("127.0.0.1", 0);
    EXPECT_TRUE(p);
    port = p ? *p : 0;
    listener->start();
  }
};

TEST(InboundListener, PipelinedLmtpTransactionOverASocket) {
  Fixture f;
  Client c(f.port);
  EXPECT_EQ(c.read_lines(1).substr(0, 4), "220 ");
  c.send("LHLO mx\r\n");
  EXPECT_NE(c.read_lines(5).find("250 SIZE"), std::string::npos);
  // PIPELINING: the envelope in one write.
  c.send(
      "MAIL FROM:<>\r\nRCPT TO:<bounce+ok@x>\r\nRCPT TO:<bounce+fail@x>\r\nRCPT "
      "TO:<x@y>\r\nDATA\r\n");
  const std::string env = c.read_lines(5);
  EXPECT_NE(env.find("550 5.1.1"), std::string::npos) << env;
  EXPECT_NE(env.find("354 "), std::string::npos) << env;
  c.send("Subject: a\r\n\r\nbody\r\n.\r\n");
  EXPECT_EQ(c.read_lines(2),
            "250 2.0.0 OK, handled\r\n451 4.3.0 Error: could not be stored, try again later\r\n");
  EXPECT_EQ(f.delivered.load(), 2);
  {
    std::lock_guard lock(f.mutex);
    EXPECT_EQ(f.last, "bounce+fail@x|Subject: a\r\n\r\nbody\r\n");
  }
  c.send("QUIT\r\n");
  EXPECT_EQ(c.read_lines(1), "221 2.0.0 Bye\r\n");
  EXPECT_TRUE(c.closed());
}

TEST(InboundListener, ConnectionsBeyondTheLimitAreToldToComeBack) {
  ListenerOptions o;
  o.max_connections = 1;
  Fixture f(o);
  Client first(f.port);
  EXPECT_EQ(first.read_lines(1).substr(0, 4), "220 ");
  Client second(f.port);
  EXPECT_EQ(second.read_lines(1).substr(0, 10), "421 4.7.0 ");
}

TEST(InboundListener, AnIdleClientIsCutAfterTheTimeout) {
  ListenerOptions o;
  o.timeout = std::chrono::milliseconds(200);
  Fixture f(o);
  Client c(f.port);
  c.read_lines(1);
  EXPECT_EQ(c.read_lines(1).substr(0, 10), "421 4.4.2 ");
  EXPECT_TRUE(c.closed());
}

TEST(InboundListener, StopsAtOnceWithIdleSessionsOpen) {
  Fixture f;
  Client c(f.port);
  c.read_lines(1);
  c.send("LHLO mx\r\n");
  c.read_lines(5);
  const auto start = std::chrono::steady_clock::now();
  f.listener->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(c.read_lines(1).substr(0, 10), "421 4.3.2 ");
  // Nothing listens any more.
  EXPECT_THROW(Client{f.port}, boost::system::system_error);
}

// serve asks the listener to stop on SIGTERM, then stops it as it ends: the second request
// reaches an io_context that no longer runs, and must not keep the listener's state (and
// what its delivery function holds) alive for ever.
TEST(InboundListener, AStopAskedForTwiceLeavesNothingBehind) {
  auto held = std::make_shared<int>(0);
  std::weak_ptr<int> watch = held;
  auto listener = std::make_unique<Listener>(
      ListenerOptions{}, Hooks{[](std::string_view) { return true; }},
      [held](std::string_view, std::string_view) { return Outcome::handled; });
  held.reset();
  ASSERT_TRUE(listener->listen("127.0.0.1", 0));
  listener->start();
  listener->request_stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the I/O thread ends
  listener->stop();
  listener.reset();
  EXPECT_TRUE(watch.expired());
}

}  // namespace
}  // namespace broadsheet::inbound
