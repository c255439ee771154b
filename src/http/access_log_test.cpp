#include "http/access_log.hpp"

#include <gtest/gtest.h>

#include <set>

namespace broadsheet::http {
namespace {

TEST(AccessLog, RequestIdsAreSixteenHexCharacters) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto id = new_request_id();
    ASSERT_EQ(id.size(), 16u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(AccessLog, LoggableEscapesAndTruncates) {
  EXPECT_EQ(loggable("/a?b=c"), "/a?b=c");
  EXPECT_EQ(loggable("/a\r\nforged line"), "/a\\x0d\\x0aforged line");
  EXPECT_EQ(loggable("\"q\\\x7f\xc3"), "\\x22q\\x5c\\x7f\\xc3");
  std::string longer(250, 'a');
  EXPECT_EQ(loggable(longer), std::string(200, 'a') + "...");
}

TEST(AccessLog, SniffRequestLine) {
  auto line = sniff_request_line("POST /api/v1/x?y=1 HTTP/1.1\r\nHost: a\r\n");
  EXPECT_EQ(line.method, "POST");
  EXPECT_EQ(line.target, "/api/v1/x?y=1");
  auto junk = sniff_request_line("GARBAGE\r\n\r\n");
  EXPECT_EQ(junk.method, "GARBAGE");
  EXPECT_EQ(junk.target, "");
}

TEST(AccessLog, Format) {
  std::string line = format_access({.request_id = "0123456789abcdef",
                                    .remote = "127.0.0.1",
                                    .method = "GET",
                                    .target = "/x\n",
                                    .status = 200,
                                    .bytes = 123,
                                    .milliseconds = 1.54});
  EXPECT_EQ(line, "0123456789abcdef 127.0.0.1 GET \"/x\\x0a\" 200 123 1.5ms");
}

}  // namespace
}  // namespace broadsheet::http
