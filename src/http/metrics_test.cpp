#include "http/metrics.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

namespace broadsheet::http {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(Metrics, EmptyRenderHasHelpAndType) {
  Metrics m;
  std::string out = m.render();
  EXPECT_TRUE(has_line(out, "# TYPE broadsheet_http_requests_total counter"));
  EXPECT_TRUE(has_line(out, "# TYPE broadsheet_http_request_duration_seconds histogram"));
  EXPECT_NE(out.find("# HELP broadsheet_http_requests_total "), std::string::npos);
}

TEST(Metrics, CountsAndHistogram) {
  Metrics m;
  m.observe("GET", "/archive/{slug}", 200, 0.003);
  m.observe("GET", "/archive/{slug}", 200, 0.02);
  m.observe("GET", "/archive/{slug}", 404, 0.001);  // on a bound: counted in its bucket
  m.observe("POST", "/subscribe", 303, 30);         // beyond the last bound
  std::string out = m.render();
  EXPECT_TRUE(has_line(
      out,
      R"(broadsheet_http_requests_total{method="GET",route="/archive/{slug}",status="200"} 2)"));
  EXPECT_TRUE(has_line(
      out,
      R"(broadsheet_http_requests_total{method="GET",route="/archive/{slug}",status="404"} 1)"));
  const std::string b =
      R"(broadsheet_http_request_duration_seconds_bucket{route="/archive/{slug}",le=)";
  EXPECT_TRUE(has_line(out, b + R"("0.001"} 1)"));
  EXPECT_TRUE(has_line(out, b + R"("0.0025"} 1)"));
  EXPECT_TRUE(has_line(out, b + R"("0.005"} 2)"));
  EXPECT_TRUE(has_line(out, b + R"("0.025"} 3)"));
  EXPECT_TRUE(has_line(out, b + R"("10"} 3)"));
  EXPECT_TRUE(has_line(out, b + R"("+Inf"} 3)"));
  EXPECT_TRUE(has_line(
      out, R"(broadsheet_http_request_duration_seconds_count{route="/archive/{slug}"} 3)"));
  const std::string sum =
      R"(broadsheet_http_request_duration_seconds_sum{route="/archive/{slug}"} )";
  auto at = out.find(sum);
  ASSERT_NE(at, std::string::npos);
  EXPECT_NEAR(std::stod(out.substr(at + sum.size())), 0.024, 1e-12);
  const std::string s = R"(broadsheet_http_request_duration_seconds_bucket{route="/subscribe",le=)";
  EXPECT_TRUE(has_line(out, s + R"("10"} 0)"));
  EXPECT_TRUE(has_line(out, s + R"("+Inf"} 1)"));
}

TEST(Metrics, LabelValuesAreEscaped) {
  Metrics m;
  m.observe("GET", "a\"b\\c\nd", 200, 0.1);
  std::string out = m.render();
  EXPECT_NE(out.find(R"(route="a\"b\\c\nd")"), std::string::npos) << out;
  EXPECT_EQ(Metrics::label("newsletter", "x\"y"), R"(newsletter="x\"y")");
}

TEST(Metrics, Gauges) {
  Metrics m;
  m.add_gauge("broadsheet_subscribers", "Confirmed subscribers\nby newsletter.", [] {
    return std::vector<std::pair<std::string, double>>{
        {Metrics::label("newsletter", "morning"), 12},
        {Metrics::label("newsletter", "evening"), 0.5}};
  });
  m.add_gauge("broadsheet_up", "Always 1.", [] {
    return std::vector<std::pair<std::string, double>>{{"", 1}};
  });
  std::string out = m.render();
  EXPECT_TRUE(
      has_line(out, R"(# HELP broadsheet_subscribers Confirmed subscribers\nby newsletter.)"));
  EXPECT_TRUE(has_line(out, "# TYPE broadsheet_subscribers gauge"));
  EXPECT_TRUE(has_line(out, R"(broadsheet_subscribers{newsletter="morning"} 12)"));
  EXPECT_TRUE(has_line(out, R"(broadsheet_subscribers{newsletter="evening"} 0.5)"));
  EXPECT_TRUE(has_line(out, "broadsheet_up 1"));
  EXPECT_THROW(m.add_gauge("bad name", "", nullptr), std::invalid_argument);
}

TEST(Metrics, ObserveFromManyThreads) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) m.observe("GET", "/", 200, 0.001);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(has_line(
      m.render(), R"(broadsheet_http_requests_total{method="GET",route="/",status="200"} 4000)"));
}

}  // namespace
}  // namespace broadsheet::http
