// The issue API in-process through the real routing table (app/routes.cpp), over a real
// SQLite store: the authorizer recognises tokens and refuses everything else with a
// reason; the handlers create, show, start and steer issues as the CLI does and answer
// every mistake with its own code. A route whose permission changes in the table
// changes what these tests see.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "admin/credentials.hpp"
#include "app/routes.hpp"
#include "http/router.hpp"
#include "store/sqlite/test_support.hpp"

namespace broadsheet::app {
namespace {

namespace json = boost::json;
using http::Method;
using http::Permission;
using http::Request;
using http::Response;

class ApiTest : public store::sqlite::testing::SqliteTest {
 protected:
  void SetUp() override {
    SqliteTest::SetUp();
    open();
    morning_ = newsletter("morning");
    User u;
    u.username = "ada";
    u.password_hash = "x";
    u.role = UserRole::editor;
    user_ = *store_->add_user(u);
    token_ = admin::generate_api_token();
    token_id_ = store_->add_api_token(user_.id, "cms", token_.hash)->id;
    templates_ = std::make_unique<web::Templates>(std::move(web::Templates::load()).value());
    signup_ = std::make_unique<web::SignupService>(
        config_, web::SignupService::Roles{*store_, *store_}, clock_, web::ReaderKeys{"link-key-0123456789abcdef", {}});
    web_ = std::make_unique<web::WebContext>(web::WebContext{
        config_, *store_, metrics_, *templates_, *signup_, clock_, [this] { ++wakes_; }, nullptr});
    router_ = std::make_unique<http::Router>(build_router(*web_));
  }

  Response call(Method m, const std::string& path, const std::string& body = "",
                std::optional<std::string> token = std::nullopt,
                const std::string& content_type = "application/json") {
    Request r;
    r.method = m;
    auto q = path.find('?');
    r.path = path.substr(0, q);
    r.target = path;
    if (q != std::string::npos) {
      std::string query = path.substr(q + 1);
      for (std::size_t at = 0; at <= query.size();) {
        auto end = query.find('&', at);
        if (end == std::string::npos) end = query.size();
        auto pair = query.substr(at, end - at);
        auto eq = pair.find('=');
        r.query.emplace(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
        at = end + 1;
      }
    }
    r.body = body;
    r.headers.emplace_back("authorization", "Bearer " + token.value_or(token_.secret));
    if (!content_type.empty()) r.headers.emplace_back("content-type", content_type);
    r.request_id = "test";
    std::string label;
    return router_->dispatch(r, label);
  }

  static json::object body_of(const Response& r) { return json::parse(r.body).as_object(); }
  static std::string error_code(const Response& r) {
    return std::string(json::parse(r.body).at("error").at("code").as_string());
  }

  Id create(const std::string& subject = "Monday") {
    auto r = call(Method::post, "/api/v1/issues",
                  R"({"newsletter":"morning","subject":")" + subject +
                      R"(","preheader":"In brief","body_markdown":"# Hi {{name}}"})");
    EXPECT_EQ(r.status, 201) << r.body;
    return body_of(r).at("id").as_int64();
  }

  void confirmed_readers(int n) {
    for (int i = 0; i < n; ++i) {
      auto s = subscriber("reader" + std::to_string(i) + "@example.org");
      ASSERT_TRUE(store_->set_subscription(s.id, morning_.id, SubscriptionStatus::confirmed, "t").ok());
    }
  }

  Newsletter morning_;
  User user_;
  admin::NewApiToken token_;
  Id token_id_ = 0;
  int wakes_ = 0;
  Config config_;
  http::Metrics metrics_;
  std::unique_ptr<web::Templates> templates_;
  std::unique_ptr<web::SignupService> signup_;
  std::unique_ptr<web::WebContext> web_;
  std::unique_ptr<http::Router> router_;
};

TEST_F(ApiTest, RefusesRequestsWithoutAGoodToken) {
  Request bare;
  bare.path = bare.target = "/api/v1/issues";
  std::string label;
  auto none = router_->dispatch(bare, label);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(error_code(none), "unauthorized");
  bool challenged = false;
  for (const auto& [k, v] : none.headers) {
    if (k == "WWW-Authenticate") challenged = v == R"(Bearer realm="broadsheet")";
  }
  EXPECT_TRUE(challenged);

  for (const std::string& bad : {std::string("nonsense"), std::string("bs_") + std::string(43, 'A'),
                                 token_.secret + "x"}) {
    auto r = call(Method::get, "/api/v1/issues", "", bad);
    EXPECT_EQ(r.status, 401) << bad;
    bool invalid = false;
    for (const auto& [k, v] : r.headers) {
      if (k == "WWW-Authenticate") invalid = v.find(R"(error="invalid_token")") != std::string::npos;
    }
    EXPECT_TRUE(invalid) << bad;
  }
  auto unknown = call(Method::get, "/api/v1/issues", "", std::string("bs_") + std::string(43, 'A'));
  ASSERT_TRUE(store_->revoke_api_token(token_id_).ok());
  auto revoked = call(Method::get, "/api/v1/issues");
  EXPECT_EQ(revoked.status, 401);
  // The same answer as an unknown token's: no answer tells a leaked token was once real.
  EXPECT_EQ(revoked.body, unknown.body);
}

TEST_F(ApiTest, MetricsAreForThisMachineOrATokenHolder) {
  auto from = [&](const std::string& address, const std::string& authorization) {
    Request r;
    r.path = r.target = "/metrics";
    r.remote_address = address;
    if (!authorization.empty()) r.headers.emplace_back("authorization", authorization);
    std::string label;
    return router_->dispatch(r, label).status;
  };
  EXPECT_EQ(from("127.0.0.1", ""), 200);
  EXPECT_EQ(from("127.8.9.10", ""), 200);
  EXPECT_EQ(from("::1", ""), 200);
  EXPECT_EQ(from("::ffff:127.0.0.1", ""), 200);
  EXPECT_EQ(from("192.0.2.7", ""), 401);
  EXPECT_EQ(from("2001:db8::1", ""), 401);
  EXPECT_EQ(from("::ffff:192.0.2.7", ""), 401);
  EXPECT_EQ(from("192.0.2.7", "Bearer " + token_.secret), 200);
  EXPECT_EQ(from("192.0.2.7", "Bearer bs_" + std::string(43, 'x')), 401);
}

TEST_F(ApiTest, RecordsATokensUseAtMostOnceAMinute) {
  EXPECT_EQ(call(Method::get, "/api/v1/issues").status, 200);
  EXPECT_EQ(store_->api_token_by_hash(token_.hash)->last_used_at, clock_.now());
  const UnixSeconds first = clock_.now();
  clock_.advance(30);
  EXPECT_EQ(call(Method::get, "/api/v1/issues").status, 200);
  EXPECT_EQ(store_->api_token_by_hash(token_.hash)->last_used_at, first);
  clock_.advance(31);
  EXPECT_EQ(call(Method::get, "/api/v1/issues").status, 200);
  EXPECT_EQ(store_->api_token_by_hash(token_.hash)->last_used_at, clock_.now());
  // The scheme's case does not matter (RFC 7235).
  Request r;
  r.path = r.target = "/api/v1/issues";
  r.headers.emplace_back("authorization", "BEARER " + token_.secret);
  std::string label;
  EXPECT_EQ(router_->dispatch(r, label).status, 200);
}

TEST_F(ApiTest, CreatesShowsAndListsIssues) {
  auto r = call(Method::post, "/api/v1/issues",
                R"({"newsletter":"morning","subject":"Grüße","body_markdown":"# Hi"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto created = body_of(r);
  const auto id = created.at("id").as_int64();
  EXPECT_EQ(created.at("status").as_string(), "draft");
  EXPECT_EQ(created.at("newsletter").as_string(), "morning");
  EXPECT_EQ(created.at("preheader").as_string(), "");
  bool located = false;
  for (const auto& [k, v] : r.headers) {
    if (k == "Location") located = v == "/api/v1/issues/" + std::to_string(id);
  }
  EXPECT_TRUE(located);
  auto audit = store_->recent_audit(1);
  ASSERT_TRUE(audit.ok() && !audit->empty());
  EXPECT_EQ(audit->front().actor, "api:ada/cms");
  EXPECT_EQ(audit->front().action, "issue.create");

  auto shown = call(Method::get, "/api/v1/issues/" + std::to_string(id));
  ASSERT_EQ(shown.status, 200);
  auto issue = body_of(shown);
  EXPECT_EQ(issue.at("subject").as_string(), "Grüße");
  EXPECT_EQ(issue.at("body_markdown").as_string(), "# Hi");
  EXPECT_EQ(issue.at("deliveries").at("total").as_int64(), 0);

  create("Tuesday");
  auto listed = body_of(call(Method::get, "/api/v1/issues?newsletter=morning&limit=1"));
  ASSERT_EQ(listed.at("issues").as_array().size(), 1u);
  EXPECT_EQ(listed.at("issues").at(0).at("subject").as_string(), "Tuesday");
  EXPECT_FALSE(listed.at("issues").at(0).as_object().contains("body_markdown"));
  auto sent = body_of(call(Method::get, "/api/v1/issues?status=sent"));
  EXPECT_TRUE(sent.at("issues").as_array().empty());
  auto newsletters = body_of(call(Method::get, "/api/v1/newsletters"));
  EXPECT_EQ(newsletters.at("newsletters").at(0).at("slug").as_string(), "morning");
}

TEST_F(ApiTest, RefusesBadIssuesAndKeepsNothing) {
  struct Case {
    std::string body, content_type, code;
    int status;
  };
  const std::vector<Case> cases = {
      {R"({"newsletter":"morning","subject":"a","body_markdown":"b"})", "text/plain",
       "unsupported_media_type", 415},
      {"{", "application/json", "invalid_json", 400},
      {"[]", "application/json", "invalid_json", 400},
      {"\"x\"", "application/json", "invalid_json", 400},
      {R"({"newsletter":"morning","body_markdown":"b"})", "application/json", "invalid_field", 400},
      {R"({"newsletter":"morning","subject":"","body_markdown":"b"})", "application/json",
       "invalid_field", 400},
      {R"({"newsletter":"morning","subject":"a\r\nBcc: x@y.z","body_markdown":"b"})",
       "application/json", "invalid_field", 400},
      {R"({"newsletter":"morning","subject":")" + std::string(251, 'a') + R"(","body_markdown":"b"})",
       "application/json", "invalid_field", 400},
      {R"({"newsletter":"morning","subject":"a","body_markdown":"b\u0000c"})", "application/json",
       "invalid_field", 400},
      {R"({"newsletter":"morning","subject":1,"body_markdown":"b"})", "application/json",
       "invalid_field", 400},
      {R"({"newsletter":"evening","subject":"a","body_markdown":"b"})", "application/json",
       "invalid_field", 400},
      {R"({"newsletter":"morning","subject":"a","body_markdown":"b","status":"sent"})",
       "application/json", "invalid_field", 400},
      {R"({"newsletter":"morning","subject":"a","body_markdown":")" +
           std::string(kMaxIssueBody + 1, 'b') + R"("})",
       "application/json", "invalid_field", 400},
  };
  for (const auto& c : cases) {
    auto r = call(Method::post, "/api/v1/issues", c.body, std::nullopt, c.content_type);
    EXPECT_EQ(r.status, c.status) << c.body.substr(0, 80) << " -> " << r.body;
    EXPECT_EQ(error_code(r), c.code) << c.body.substr(0, 80);
  }
  EXPECT_TRUE(store_->list_issues({})->empty());
  EXPECT_EQ(call(Method::get, "/api/v1/issues?limit=0").status, 400);
  EXPECT_EQ(call(Method::get, "/api/v1/issues?limit=101").status, 400);
  EXPECT_EQ(call(Method::get, "/api/v1/issues?limit=5x").status, 400);
  EXPECT_EQ(call(Method::get, "/api/v1/issues?status=bogus").status, 400);
  EXPECT_EQ(call(Method::get, "/api/v1/issues?newsletter=evening").status, 400);
  for (std::string id : {"abc", "0", "01", "-1", "99", "1234567890123456789"}) {
    auto r = call(Method::get, "/api/v1/issues/" + id);
    EXPECT_EQ(r.status, 404) << id;
    EXPECT_EQ(error_code(r), "not_found");
  }
}

TEST_F(ApiTest, SendsPausesResumesAndCancelsAsTheCliDoes) {
  confirmed_readers(5);
  const Id id = create();
  const std::string base = "/api/v1/issues/" + std::to_string(id);
  auto sent = call(Method::post, base + "/send");
  ASSERT_EQ(sent.status, 202) << sent.body;
  auto body = body_of(sent);
  EXPECT_EQ(body.at("status").as_string(), "sending");
  EXPECT_EQ(body.at("queued_now").as_int64(), 5);
  EXPECT_FALSE(body.at("resumed").as_bool());
  EXPECT_EQ(body.at("deliveries").at("queued").as_int64(), 5);
  EXPECT_EQ(wakes_, 1);
  auto again = body_of(call(Method::post, base + "/send"));
  EXPECT_TRUE(again.at("resumed").as_bool());
  EXPECT_EQ(again.at("queued_now").as_int64(), 0);
  EXPECT_EQ(store_->delivery_counts(id)->total(), 5u) << "the audience is fixed once";

  auto paused = call(Method::post, base + "/pause");
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(body_of(paused).at("status").as_string(), "paused");
  auto send_paused = call(Method::post, base + "/send");
  EXPECT_EQ(send_paused.status, 409);
  EXPECT_NE(send_paused.body.find("paused; resume it"), std::string::npos) << send_paused.body;
  EXPECT_EQ(call(Method::post, base + "/pause").status, 409);
  const int before = wakes_;
  auto resumed = call(Method::post, base + "/resume");
  ASSERT_EQ(resumed.status, 200);
  EXPECT_EQ(body_of(resumed).at("status").as_string(), "sending");
  EXPECT_EQ(wakes_, before + 1);
  EXPECT_EQ(call(Method::post, base + "/resume").status, 409);

  auto cancelled = call(Method::post, base + "/cancel");
  ASSERT_EQ(cancelled.status, 200);
  EXPECT_EQ(body_of(cancelled).at("status").as_string(), "cancelled");
  for (const char* action : {"/send", "/pause", "/resume", "/cancel"}) {
    auto r = call(Method::post, base + action);
    EXPECT_EQ(r.status, 409) << action;
    EXPECT_EQ(error_code(r), "conflict");
  }
  EXPECT_EQ(call(Method::post, "/api/v1/issues/77/send").status, 404);
  std::vector<std::string> actions;
  auto audit = store_->recent_audit(10);
  ASSERT_TRUE(audit.ok());
  for (const auto& e : *audit) {
    if (e.actor == "api:ada/cms") actions.push_back(e.action);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"issue.cancel", "issue.resume", "issue.pause",
                                                "issue.send", "issue.create"}));
}

}  // namespace
}  // namespace broadsheet::app
