#include "http/message.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace broadsheet::http {
namespace {

std::string header_of(const Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "<absent>";
}

TEST(Message, MethodNamesRoundTrip) {
  for (Method m : {Method::get, Method::head, Method::post, Method::put, Method::patch,
                   Method::delete_, Method::options}) {
    EXPECT_EQ(method_from(method_name(m)), m);
  }
  EXPECT_EQ(method_name(Method::delete_), "DELETE");
  EXPECT_EQ(method_from("get"), Method::other);  // methods are case-sensitive
  EXPECT_EQ(method_from("PROPFIND"), Method::other);
}

TEST(Message, RequestLookups) {
  Request r;
  r.headers = {{"content-type", "text/plain"}, {"x-a", "1"}, {"x-a", "2"}};
  r.query = {{"page", "2"}, {"tag", "a"}, {"tag", "b"}};
  EXPECT_EQ(r.header("x-a"), "1");
  EXPECT_FALSE(r.header("x-b"));
  EXPECT_EQ(r.query_param("page"), "2");
  EXPECT_EQ(r.query_param("tag"), "a");
  EXPECT_FALSE(r.query_param("nope"));
}

TEST(Message, SetHeaderReplacesCaseInsensitively) {
  Response r = Response::text(200, "x");
  r.set_header("content-type", "text/csv");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "text/csv");
}

TEST(Message, JsonError) {
  Response r = Response::json_error(404, "not_found", "No \"such\" thing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"No \"such\" thing"}})");
  EXPECT_EQ(header_of(r, "Content-Type"), "application/json");
}

TEST(Message, JsonHtmlRedirect) {
  Response j = Response::json(201, boost::json::object{{"id", 7}});
  EXPECT_EQ(j.body, R"({"id":7})");
  EXPECT_EQ(Response::html(200, "<p>").body, "<p>");
  EXPECT_EQ(header_of(Response::html(200, ""), "Content-Type"), "text/html; charset=utf-8");
  Response r = Response::redirect(303, "/thanks");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(header_of(r, "Location"), "/thanks");
}

TEST(Message, StatusReasons) {
  EXPECT_EQ(status_reason(404), "Not Found");
  EXPECT_EQ(status_reason(431), "Request Header Fields Too Large");
  EXPECT_EQ(status_reason(299), "Unknown");
}

TEST(Message, HtmlEscape) {
  EXPECT_EQ(html_escape(R"(<a href="x" title='y'>&</a>)"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  EXPECT_EQ(html_escape("plain"), "plain");
}

TEST(Message, ErrorResponseFollowsThePath) {
  Response api = error_response("/api/v1/x", 404, "not_found", "Nothing here.");
  EXPECT_EQ(api.body, R"({"error":{"code":"not_found","message":"Nothing here."}})");
  Response page = error_response("/archive/x", 404, "not_found", "<Nothing> here.");
  EXPECT_EQ(header_of(page, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<title>404 Not Found</title>"), std::string::npos);
  EXPECT_NE(page.body.find("&lt;Nothing&gt; here."), std::string::npos);
  EXPECT_TRUE(is_api_path("/api"));
  EXPECT_FALSE(is_api_path("/apis"));
}

}  // namespace
}  // namespace broadsheet::http
