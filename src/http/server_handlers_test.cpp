// The handler pool: handlers that block (as those waiting on the database do) wait
// together instead of one per I/O thread, and a client that leaves while its handler
// runs is forgotten safely.
#include <deque>

#include "http/server_test_support.hpp"

namespace broadsheet::http::testing {
namespace {

TEST(ServerHandlers, BlockingHandlersWaitTogether) {
  Sleeper sleeper(200ms);
  auto config = test_config();  // two I/O threads
  config.handler_threads = 20;
  TestServer server({sleeper.route()}, config);
  std::deque<TestClient> clients;
  for (int i = 0; i < 20; ++i) {
    clients.emplace_back(server.port());
    ASSERT_TRUE(clients.back().send(get("/sleep"))) << i;
  }
  for (auto& client : clients) {
    auto r = client.read();
    ASSERT_TRUE(r) << client.last_error.message();
    EXPECT_EQ(r->body(), "rested");
  }
  // Handlers on the I/O threads would sleep two at a time.
  EXPECT_GE(sleeper.most.load(), 10);
}

TEST(ServerHandlers, OneConnectionsHandlersRunOneAtATime) {
  Sleeper sleeper(50ms);
  auto config = test_config();
  config.pipeline_depth = 8;
  TestServer server({sleeper.route()}, config);
  TestClient client(server.port());
  ASSERT_TRUE(client.send(get("/sleep") + get("/sleep") + get("/sleep") + get("/sleep")));
  for (int i = 0; i < 4; ++i) {
    auto r = client.read();
    ASSERT_TRUE(r) << i << ": " << client.last_error.message();
    EXPECT_EQ(r->body(), "rested");
  }
  EXPECT_EQ(sleeper.most.load(), 1);
}

TEST(ServerHandlers, AClientThatLeavesWhileItsHandlerRunsIsForgotten) {
  Sleeper sleeper(300ms);
  TestServer server({sleeper.route(), hello()});
  {
    TestClient leaving(server.port());
    ASSERT_TRUE(leaving.send(get("/sleep") + get("/sleep")));
    ASSERT_TRUE(eventually([&] { return sleeper.started == 1; }));
    leaving.abort();
  }
  // The handler finishes, its response finds no one; the server carries on.
  ASSERT_TRUE(eventually([&] { return sleeper.running == 0 && sleeper.finished >= 1; }));
  TestClient next(server.port());
  ASSERT_TRUE(next.send(get("/hello")));
  auto r = next.read();
  ASSERT_TRUE(r) << next.last_error.message();
  EXPECT_EQ(r->body(), "hello world");
}

TEST(ServerHandlers, StopWaitsForTheHandlerOfAClientThatLeft) {
  Sleeper sleeper(300ms);
  TestServer server({sleeper.route()});
  TestClient leaving(server.port());
  ASSERT_TRUE(leaving.send(get("/sleep")));
  ASSERT_TRUE(eventually([&] { return sleeper.started == 1; }));
  leaving.abort();
  server.stop();
  ASSERT_TRUE(server.stopped_within(5s));
  EXPECT_EQ(sleeper.finished.load(), 1);
}

}  // namespace
}  // namespace broadsheet::http::testing
