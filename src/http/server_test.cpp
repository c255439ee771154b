// The server end to end over real sockets: requests in, responses out, keep-alive,
// pipelining, HEAD, and what it adds to every response.
#include <boost/json.hpp>
#include <thread>

#include "http/server_test_support.hpp"

namespace broadsheet::http::testing {
namespace {

std::vector<Route> routes() {
  return {
      {Method::get, "/hello", Permission::public_access,
       [](const Request&) { return Response::text(200, "hello world"); }},
      {Method::get, "/echo/{word}", Permission::public_access,
       [](const Request& r) {
         boost::json::object query;
         for (const auto& [k, v] : r.query) query.emplace(k, v);  // the first of each
         return Response::json(200, boost::json::object{{"path", r.path},
                                                        {"target", r.target},
                                                        {"word", r.params.at("word")},
                                                        {"query", query},
                                                        {"x-test", r.header("x-test").value_or("")},
                                                        {"remote", r.remote_address},
                                                        {"id", r.request_id}});
       }},
      {Method::post, "/echo", Permission::public_access,
       [](const Request& r) { return Response::text(200, r.body); }},
      // Earlier requests take longer, so answers in order prove the ordering.
      {Method::get, "/n/{n}", Permission::public_access,
       [](const Request& r) {
         std::this_thread::sleep_for(
             std::chrono::milliseconds(10 * (6 - std::stoi(r.params.at("n")))));
         return Response::text(200, r.params.at("n"));
       }},
      {Method::get, "/boom", Permission::public_access,
       [](const Request&) -> Response { throw std::runtime_error("db password is hunter2"); }},
      {Method::get, "/api/v1/boom", Permission::public_access,
       [](const Request&) -> Response { throw std::logic_error("invariant"); }},
      {Method::get, "/split", Permission::public_access,
       [](const Request&) {
         return Response::text(200, "x").set_header("X-Note", "a\r\nSet-Cookie: stolen=1");
       }},
      {Method::get, "/empty", Permission::public_access,
       [](const Request&) {
         return Response{204, {}, "ignored"};
       }},
  };
}

class ServerTest : public ::testing::Test {
 protected:
  TestServer server_{routes()};
};

TEST_F(ServerTest, ServesAGet) {
  TestClient client(server_.port());
  ASSERT_TRUE(client.send(get("/hello")));
  auto r = client.read();
  ASSERT_TRUE(r) << client.last_error.message();
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(r->body(), "hello world");
  EXPECT_EQ(field(*r, "Content-Length"), "11");
  EXPECT_EQ(field(*r, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(field(*r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(field(*r, "Referrer-Policy"), "strict-origin-when-cross-origin");
  EXPECT_EQ(field(*r, "Server"), "broadsheet");
  EXPECT_NE(field(*r, "Date"), "<absent>");
  std::string id = field(*r, "X-Request-Id");
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_TRUE(r->keep_alive());
}

TEST_F(ServerTest, FillsTheRequestForHandlers) {
  TestClient client(server_.port());
  ASSERT_TRUE(
      client.send(get("/echo/caf%C3%A9%20au%3Flait?q=a+b&q=2&amp=%26", "X-Test: Value\r\n")));
  auto r = client.read();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->result_int(), 200);
  auto j = boost::json::parse(r->body()).as_object();
  EXPECT_EQ(j["path"].as_string(), "/echo/caf\xc3\xa9 au?lait");
  EXPECT_EQ(j["word"].as_string(), "caf\xc3\xa9 au?lait");
  EXPECT_EQ(j["target"].as_string(), "/echo/caf%C3%A9%20au%3Flait?q=a+b&q=2&amp=%26");
  EXPECT_EQ(j["query"].as_object()["q"].as_string(), "a b");
  EXPECT_EQ(j["query"].as_object()["amp"].as_string(), "&");
  EXPECT_EQ(j["x-test"].as_string(), "Value");
  EXPECT_EQ(j["remote"].as_string(), "127.0.0.1");
  EXPECT_EQ(j["id"].as_string(), field(*r, "X-Request-Id"));
}

TEST_F(ServerTest, DecodedSlashSplitsTheRouteSegments) {
  // The route sees the decoded path, so %2F is a separator like '/' is.
  TestClient client(server_.port());
  ASSERT_TRUE(client.send(get("/echo/a%2Fb")));
  auto r = client.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 404);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequests) {
  TestClient client(server_.port());
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.send(get("/hello")));
    auto r = client.read();
    ASSERT_TRUE(r) << "request " << i << ": " << client.last_error.message();
    EXPECT_EQ(r->body(), "hello world");
    ids.insert(field(*r, "X-Request-Id"));
  }
  EXPECT_EQ(ids.size(), 5u);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  TestClient client(server_.port());
  std::string burst;
  for (int n = 1; n <= 5; ++n) burst += get("/n/" + std::to_string(n));
  burst += get("/hello");
  ASSERT_TRUE(client.send(burst));  // more than pipeline_depth (2) at once
  for (int n = 1; n <= 5; ++n) {
    auto r = client.read();
    ASSERT_TRUE(r) << n;
    EXPECT_EQ(r->body(), std::to_string(n));
  }
  auto last = client.read();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body(), "hello world");
}

TEST_F(ServerTest, HeadHasTheLengthOfGetButNoBody) {
  TestClient client(server_.port());
  ASSERT_TRUE(client.send("HEAD /hello HTTP/1.1\r\nHost: test\r\n\r\n" + get("/hello")));
  auto head = client.read(/*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->result_int(), 200);
  EXPECT_EQ(field(*head, "Content-Length"), "11");
  EXPECT_EQ(head->body(), "");
  // Had the server sent a body, it would be read here as the next response's start.
  auto next = client.read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "hello world");
}

TEST_F(ServerTest, NoContentHasNoBody) {
  TestClient client(server_.port());
  ASSERT_TRUE(client.send(get("/empty") + get("/hello")));
  auto r = client.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 204);
  EXPECT_EQ(field(*r, "Content-Length"), "<absent>");
  auto next = client.read();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "hello world");
}

TEST_F(ServerTest, PostBodiesArrive) {
  TestClient client(server_.port());
  ASSERT_TRUE(client.send(post("/echo", "name=Ada")));
  auto r = client.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body(), "name=Ada");
  ASSERT_TRUE(
      client.send("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  auto chunked = client.read();
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->body(), "abcde");
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimResponse) {
  TestClient client(server_.port());
  ASSERT_TRUE(client.send(
      "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = client.read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100);
  ASSERT_TRUE(client.send("hello"));
  auto r = client.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
  EXPECT_EQ(r->body(), "hello");
}

TEST_F(ServerTest, HandlerExceptionIsAnOpaque500AndTheServerLivesOn) {
  TestClient client(server_.port());
  ASSERT_TRUE(client.send(get("/boom") + get("/api/v1/boom") + get("/hello")));
  auto page = client.read();
  ASSERT_TRUE(page);
  EXPECT_EQ(page->result_int(), 500);
  EXPECT_EQ(page->body().find("hunter2"), std::string::npos);
  auto api = client.read();
  ASSERT_TRUE(api);
  EXPECT_EQ(
      api->body(),
      R"({"error":{"code":"internal","message":"An error has occurred. Please try again later."}})");
  auto after = client.read();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body(), "hello world");
}

TEST_F(ServerTest, AHeaderThatWouldSplitTheResponseBecomesA500) {
  TestClient client(server_.port());
  ASSERT_TRUE(client.send(get("/split")));
  auto r = client.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 500);
  EXPECT_EQ(field(*r, "Set-Cookie"), "<absent>");
  EXPECT_EQ(field(*r, "X-Note"), "<absent>");
}

TEST_F(ServerTest, ClientCloseIsHonoured) {
  TestClient client(server_.port());
  ASSERT_TRUE(client.send(get("/hello", "Connection: close\r\n")));
  auto r = client.read();
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->keep_alive());
  EXPECT_TRUE(client.time_to_close(2s));
}

TEST_F(ServerTest, Http10ClosesUnlessAskedToKeepAlive) {
  TestClient client(server_.port());
  ASSERT_TRUE(client.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto kept = client.read();
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->version(), 10u);
  EXPECT_EQ(field(*kept, "Connection"), "keep-alive");
  ASSERT_TRUE(client.send("GET /hello HTTP/1.0\r\n\r\n"));
  auto last = client.read();
  ASSERT_TRUE(last);
  EXPECT_TRUE(client.time_to_close(2s));
}

TEST_F(ServerTest, MetricsAndRouteLabels) {
  TestClient client(server_.port());
  ASSERT_TRUE(client.send(get("/echo/x") + get("/nothing/here")));
  ASSERT_TRUE(client.read());
  ASSERT_TRUE(client.read());
  // Requests are observed once their response is written, just after the client
  // may have read it.
  std::string text;
  for (int i = 0; i < 100 && text.find("status=\"404\"") == std::string::npos; ++i) {
    std::this_thread::sleep_for(10ms);
    text = server_.metrics().render();
  }
  EXPECT_NE(
      text.find(
          R"(broadsheet_http_requests_total{method="GET",route="/echo/{word}",status="200"} 1)"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(R"(broadsheet_http_requests_total{method="GET",route="unmatched",status="404"} 1)"),
      std::string::npos)
      << text;
}

TEST(ServerListen, RefusesAnAddressInUse) {
  TestServer first({});
  Router router({});
  Metrics metrics;
  Server second(test_config(), router, metrics);
  auto bound = second.listen("127.0.0.1", first.port());
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.error().code, Errc::io);
  EXPECT_NE(bound.error().message.find("bind"), std::string::npos);
}

}  // namespace
}  // namespace broadsheet::http::testing
