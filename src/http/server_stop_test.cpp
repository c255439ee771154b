// Graceful stop: requests in flight are answered, idle connections are closed, and
// run() returns promptly.
#include <atomic>
#include <deque>
#include <future>

#include "http/server_test_support.hpp"

namespace broadsheet::http::testing {
namespace {

// A handler that tells the test it has started, then takes a while.
struct SlowHandler {
  std::promise<void> started;
  std::shared_future<void> started_future = started.get_future().share();
  std::atomic<bool> signalled{false};

  Route route() {
    return {Method::get, "/slow", Permission::public_access, [this](const Request&) {
              if (!signalled.exchange(true)) started.set_value();
              std::this_thread::sleep_for(500ms);
              return Response::text(200, "finally");
            }};
  }
};

TEST(ServerStop, ARunningHandlerStillDeliversItsResponse) {
  SlowHandler slow;
  TestServer server({slow.route(), hello()});
  TestClient client(server.port());
  ASSERT_TRUE(client.send(get("/slow")));
  ASSERT_EQ(slow.started_future.wait_for(5s), std::future_status::ready);
  server.stop();
  auto r = client.read();
  ASSERT_TRUE(r) << client.last_error.message();
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(r->body(), "finally");
  EXPECT_TRUE(client.time_to_close(5s));
  EXPECT_TRUE(server.stopped_within(5s));
}

TEST(ServerStop, EveryRunningHandlerDeliversItsResponse) {
  Sleeper sleeper(300ms);
  TestServer server({sleeper.route()});
  std::deque<TestClient> clients;
  for (int i = 0; i < 5; ++i) {
    clients.emplace_back(server.port());
    ASSERT_TRUE(clients.back().send(get("/sleep"))) << i;
  }
  ASSERT_TRUE(eventually([&] { return sleeper.started == 5; }));
  server.stop();
  for (auto& client : clients) {
    auto r = client.read();
    ASSERT_TRUE(r) << client.last_error.message();
    EXPECT_EQ(r->result_int(), 200);
    EXPECT_EQ(r->body(), "rested");
    // The server began to stop while the handler ran, so it says this is the last.
    EXPECT_EQ(field(*r, "Connection"), "close");
  }
  EXPECT_TRUE(server.stopped_within(5s));
}

TEST(ServerStop, IdleConnectionsAreClosedAtOnce) {
  auto config = test_config();
  config.keepalive_timeout = 60;
  config.read_timeout = 60;
  TestServer server({hello()}, config);
  TestClient used(server.port());
  ASSERT_TRUE(used.send(get("/hello")));
  ASSERT_TRUE(used.read());
  TestClient silent(server.port());   // connected, never sends
  std::this_thread::sleep_for(50ms);  // let the server accept it
  auto start = std::chrono::steady_clock::now();
  server.stop();
  EXPECT_TRUE(server.stopped_within(3s));
  EXPECT_LE(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(used.time_to_close(2s));
  EXPECT_TRUE(silent.time_to_close(2s));
}

TEST(ServerStop, ARequestHalfArrivedIsFinishedAndAnsweredWithClose) {
  TestServer server({hello()});
  TestClient client(server.port());
  ASSERT_TRUE(client.send("GET /hello HTTP/1.1\r\n"));
  std::this_thread::sleep_for(100ms);  // the server has the first bytes
  server.stop();
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(client.send("Host: t\r\n\r\n"));
  auto r = client.read();
  ASSERT_TRUE(r) << client.last_error.message();
  EXPECT_EQ(r->body(), "hello world");
  EXPECT_EQ(field(*r, "Connection"), "close");
  EXPECT_TRUE(server.stopped_within(3s));
}

TEST(ServerStop, NoNewConnectionsAfterStop) {
  TestServer server({hello()});
  server.stop();
  ASSERT_TRUE(server.stopped_within(3s));
  boost::asio::io_context ioc;
  tcp::socket socket(ioc);
  boost::system::error_code ec;
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()), ec);
  EXPECT_TRUE(ec);
}

TEST(ServerStop, StopBeforeRunReturnsPromptly) {
  Router router({hello()});
  Metrics metrics;
  Server server(test_config(), router, metrics);
  ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());
  server.stop();
  auto done = std::async(std::launch::async, [&] { server.run(); });
  EXPECT_EQ(done.wait_for(3s), std::future_status::ready);
}

}  // namespace
}  // namespace broadsheet::http::testing
