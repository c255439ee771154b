// The limits a connection enforces against clients: body and header size, malformed
// requests, and time.
#include <boost/json.hpp>
#include <utility>

#include "http/server_test_support.hpp"

namespace broadsheet::http::testing {
namespace {

Handler body_size() {
  return [](const Request& r) { return Response::text(200, std::to_string(r.body.size())); };
}

std::vector<Route> limit_routes() {
  return {
      {Method::get, "/hello", Permission::public_access,
       [](const Request&) { return Response::text(200, "hello world"); }},
      {Method::post, "/upload", Permission::public_access, body_size()},
      {Method::post, "/api/v1/upload", Permission::api_read, body_size()},
      {Method::post, "/tiny", Permission::public_access, body_size(), /*body_limit=*/10},
  };
}

std::string error_code(const WireResponse& r) {
  return std::string(boost::json::parse(r.body()).at("error").at("code").as_string());
}

class LimitsTest : public ::testing::Test {
 protected:
  std::optional<WireResponse> exchange(const std::string& raw) {
    TestClient client(server_.port());
    if (!client.send(raw)) return std::nullopt;
    return client.read();
  }
  TestServer server_{limit_routes()};
};

TEST_F(LimitsTest, BodyLimitFollowsTheRoutePermission) {
  auto ok = exchange(post("/upload", std::string(1024, 'a')));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body(), "1024");

  auto page = exchange(post("/upload", std::string(1025, 'a')));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->result_int(), 413);
  EXPECT_EQ(field(*page, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(field(*page, "Connection"), "close");

  // Token routes take api_body_limit (4096).
  auto api_ok = exchange(post("/api/v1/upload", std::string(3000, 'a')));
  ASSERT_TRUE(api_ok);
  EXPECT_EQ(api_ok->body(), "3000");
  auto api = exchange(post("/api/v1/upload", std::string(5000, 'a')));
  ASSERT_TRUE(api);
  EXPECT_EQ(api->result_int(), 413);
  EXPECT_EQ(error_code(*api), "payload_too_large");

  // A route's own limit wins.
  auto tiny = exchange(post("/tiny", std::string(11, 'a')));
  ASSERT_TRUE(tiny);
  EXPECT_EQ(tiny->result_int(), 413);
}

TEST_F(LimitsTest, RefusedBeforeTheBodyIsSent) {
  // Content-Length alone decides: the answer comes without the body being sent.
  TestClient client(server_.port());
  ASSERT_TRUE(
      client.send("POST /api/v1/upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n"));
  auto r = client.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 413);
  EXPECT_TRUE(client.time_to_close(4s));
}

TEST_F(LimitsTest, ChunkedBodiesAreLimitedToo) {
  std::string chunk = std::string("400\r\n") + std::string(1024, 'a') + "\r\n";
  auto r = exchange("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                    chunk + chunk + "0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 413);
}

// Sends `head` and then `filler` bytes in pieces until `total` are sent or the
// server stops taking them, and returns the response. Before the read buffer had a
// maximum, Beast waited for the line or trailer to end, holding every byte.
std::optional<WireResponse> endless(TestClient& client, const std::string& head, char filler,
                                    std::size_t total = 256 * 1024) {
  if (!client.send(head)) return std::nullopt;
  std::string piece(4096, filler);
  for (std::size_t sent = 0; sent < total; sent += piece.size()) {
    if (!client.send(piece)) break;
  }
  return client.read();
}

constexpr std::string_view kChunkedUpload =
    "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";

TEST_F(LimitsTest, EndlessChunkExtensionIsRefused) {
  TestClient client(server_.port());
  auto r = endless(client, std::string(kChunkedUpload) + "1;", 'x');
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 400);
  EXPECT_EQ(field(*r, "Connection"), "close");
  EXPECT_TRUE(client.time_to_close(4s));
}

TEST_F(LimitsTest, EndlessTrailerIsRefused) {
  TestClient client(server_.port());
  auto r = endless(client, std::string(kChunkedUpload) + "1\r\na\r\n0\r\nX-Trailer: ", 't');
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 400);
  EXPECT_TRUE(client.time_to_close(4s));
}

TEST_F(LimitsTest, ChunkFramingCountsAgainstTheRequestBudget) {
  // 500 bytes of body (the limit is 1024) in 500 chunks of 19 bytes each: more than
  // header_limit + body_limit + 4 KiB of framing.
  std::string chunks;
  for (int i = 0; i < 500; ++i) chunks += "1;ext=0123456\r\na\r\n";
  auto r = exchange(std::string(kChunkedUpload) + chunks + "0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 413);
  // Ordinary chunks of the same body are served.
  auto ok = exchange(std::string(kChunkedUpload) + "1F4\r\n" + std::string(500, 'a') +
                     "\r\n0\r\nX-Checksum: 1\r\n\r\n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body(), "500");
}

TEST_F(LimitsTest, TransferEncodingOtherThanChunkedIsRefusedAndClosed) {
  // The smuggled request after each body must never be answered.
  const std::string smuggled = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";
  for (std::string te :
       {"Transfer-Encoding: xchunked", "Transfer-Encoding: gzip", "Transfer-Encoding: identity",
        "Transfer-Encoding: chunked, identity", "Transfer-Encoding: gzip, chunked",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity",
        "Transfer-Encoding: chunked\r\nContent-Length: 5",
        "Content-Length: 5\r\nTransfer-Encoding: gzip"}) {
    TestClient client(server_.port());
    ASSERT_TRUE(client.send("POST /upload HTTP/1.1\r\nHost: t\r\n" + te + "\r\n\r\n" + "0\r\n\r\n" +
                            smuggled));
    auto r = client.read();
    ASSERT_TRUE(r) << te;
    EXPECT_EQ(r->result_int(), 400) << te;
    EXPECT_EQ(field(*r, "Connection"), "close") << te;
    EXPECT_FALSE(client.read()) << te;
  }
  TestClient old(server_.port());
  ASSERT_TRUE(old.send("POST /upload HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
  auto r = old.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 400);
  // Chunked alone, in any case, is fine.
  auto ok = exchange(
      "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body(), "3");
}

TEST_F(LimitsTest, OversizeHeaderIs431) {
  auto r = exchange(get("/hello", "X-Big: " + std::string(3000, 'b') + "\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 431);
  EXPECT_EQ(field(*r, "Connection"), "close");
  auto api = exchange(get("/api/v1/upload", "X-Big: " + std::string(3000, 'b') + "\r\n"));
  ASSERT_TRUE(api);
  EXPECT_EQ(api->result_int(), 431);
  EXPECT_EQ(error_code(*api), "header_too_large");
}

// A GET of /hello whose request line and header, through the empty line that ends
// it, are exactly `size` bytes.
std::string header_of_size(std::size_t size) {
  std::string head = "GET /hello HTTP/1.1\r\nHost: test\r\nX-Pad: ";
  std::size_t fixed = head.size() + 4;  // the field's CRLF and the empty line
  return head + std::string(size - fixed, 'p') + "\r\n\r\n";
}

TEST_F(LimitsTest, HeaderLimitIsExactAndCountsTheRequestLine) {
  // test_config() sets header_limit to 2048.
  auto at = exchange(header_of_size(2048));
  ASSERT_TRUE(at);
  EXPECT_EQ(at->result_int(), 200);
  auto over = exchange(header_of_size(2049));
  ASSERT_TRUE(over);
  EXPECT_EQ(over->result_int(), 431);
}

TEST_F(LimitsTest, HeaderLimitCountsEveryReadTogether) {
  // Fields that each fit, arriving in separate reads, add up past the limit. The
  // parser consumes each complete field, so a limit counted per read let them in.
  // The pauses let each field arrive in its own read (and past Nagle's coalescing).
  const std::pair<int, std::size_t> splits[] = {{2, 1200}, {8, 300}};
  for (auto [fields, size] : splits) {
    for (std::string path : {"/hello", "/api/v1/upload"}) {
      TestClient client(server_.port());
      ASSERT_TRUE(client.send("GET " + path + " HTTP/1.1\r\nHost: test\r\n"));
      bool sent = true;
      for (int i = 0; i < fields && sent; ++i) {
        std::this_thread::sleep_for(20ms);
        sent = client.send("X-F" + std::to_string(i) + ": " + std::string(size, 'v') + "\r\n");
      }
      if (sent) client.send("\r\n");
      auto r = client.read();
      ASSERT_TRUE(r) << fields << " x " << size << " " << path;
      EXPECT_EQ(r->result_int(), 431) << fields << " x " << size << " " << path;
      if (path == "/hello") {
        EXPECT_EQ(field(*r, "Content-Type"), "text/html; charset=utf-8");
      } else {
        EXPECT_EQ(error_code(*r), "header_too_large");
      }
    }
  }
}

TEST_F(LimitsTest, HeaderAtTheLimitSplitAcrossReadsIsServed) {
  std::string raw = header_of_size(2048);
  TestClient client(server_.port());
  for (std::size_t at = 0; at < raw.size(); at += 300) {
    ASSERT_TRUE(client.send(raw.substr(at, 300)));
    std::this_thread::sleep_for(5ms);
  }
  auto r = client.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 200);
}

TEST_F(LimitsTest, EachPipelinedRequestHasItsOwnHeaderLimit) {
  TestClient client(server_.port());
  ASSERT_TRUE(client.send(header_of_size(2000) + header_of_size(2000)));
  for (int i = 0; i < 2; ++i) {
    auto r = client.read();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->result_int(), 200) << i;
  }
}

TEST_F(LimitsTest, MalformedApiRequestsGetJson) {
  for (std::string raw : {
           std::string("GET /api/v1/x HTTP/1.1\r\n\r\n"),  // no Host
           std::string("GET /api/v1/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
           std::string("GET /api/v1/x?a=b HTTP/1.1\r\n\r\n"),
       }) {
    auto r = exchange(raw);
    ASSERT_TRUE(r) << raw;
    EXPECT_EQ(r->result_int(), 400) << raw;
    EXPECT_EQ(error_code(*r), "bad_request") << raw;
  }
  auto page = exchange("GET /hello HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->result_int(), 400);
  EXPECT_EQ(field(*page, "Content-Type"), "text/html; charset=utf-8");
}

TEST_F(LimitsTest, MalformedRequestsAre400) {
  for (std::string raw : {
           std::string("GARBAGE\r\n\r\n"),
           std::string("GET /hello HTTP/1.1\r\n\r\n"),                        // no Host
           std::string("GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),  // two
           std::string("GET http://evil.example/ HTTP/1.1\r\nHost: t\r\n\r\n"),
           std::string("GET /hello HTTP/1.1\r\nHost: t\r\nBad header\r\n\r\n"),
           std::string("GET /%00 HTTP/1.1\r\nHost: t\r\n\r\n"),
           std::string("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
       }) {
    auto r = exchange(raw);
    ASSERT_TRUE(r) << raw;
    EXPECT_EQ(r->result_int(), 400) << raw;
  }
  auto api = exchange("GET /api/v1/x HTTP/1.1\r\nHost: t\r\nBad header\r\n\r\n");
  ASSERT_TRUE(api);
  EXPECT_EQ(error_code(*api), "bad_request");
}

TEST(ServerLimits, MaxRequestsClosesTheConnection) {
  auto config = test_config();
  config.max_requests = 2;
  TestServer server(limit_routes(), config);
  TestClient client(server.port());
  ASSERT_TRUE(client.send(get("/hello")));
  auto first = client.read();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->keep_alive());
  ASSERT_TRUE(client.send(get("/hello")));
  auto second = client.read();
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->keep_alive());
  EXPECT_EQ(field(*second, "Connection"), "close");
  EXPECT_TRUE(client.time_to_close(3s));
}

TEST(ServerTimeouts, HalfARequestIsCutAfterReadTimeout) {
  auto config = test_config();
  config.read_timeout = 1;
  TestServer server(limit_routes(), config);
  TestClient client(server.port());
  ASSERT_TRUE(client.send("GET /hello HTTP/1.1\r\nHost: t\r\n"));  // and never the end
  auto closed = client.time_to_close(5s);
  ASSERT_TRUE(closed);
  EXPECT_GE(*closed, 800ms);
  EXPECT_LE(*closed, 2500ms);
}

TEST(ServerTimeouts, DrippingBytesDoNotExtendTheRequest) {
  auto config = test_config();
  config.read_timeout = 1;
  TestServer server(limit_routes(), config);
  TestClient client(server.port());
  auto start = std::chrono::steady_clock::now();
  for (char c : std::string("GET /hello HTTP/1.1\r\nHost: t\r\n")) {
    if (!client.send(std::string(1, c))) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(client.time_to_close(3s));
  EXPECT_LE(std::chrono::steady_clock::now() - start, 3s);
}

TEST(ServerTimeouts, IdleKeepAliveIsClosed) {
  auto config = test_config();
  config.keepalive_timeout = 1;
  TestServer server(limit_routes(), config);
  TestClient client(server.port());
  ASSERT_TRUE(client.send(get("/hello")));
  ASSERT_TRUE(client.read());
  auto closed = client.time_to_close(5s);
  ASSERT_TRUE(closed);
  EXPECT_GE(*closed, 800ms);
  EXPECT_LE(*closed, 2500ms);
}

}  // namespace
}  // namespace broadsheet::http::testing
