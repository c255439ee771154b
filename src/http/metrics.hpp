// Prometheus metrics of the HTTP side: requests by route and status, and a latency
// histogram by route. Rendered as Prometheus text exposition format 0.0.4.
// Thread-safe: observe() is called from every server thread.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace broadsheet::http {

class Metrics {
 public:
  Metrics();

  // Records one finished request. `route` is the matched pattern, not the raw path,
  // so the number of series stays bounded whatever clients send.
  void observe(const std::string& method, const std::string& route, int status, double seconds);

  // Adds a gauge computed at render time, e.g. subscriber counts. The source returns
  // one (labels, value) pair per series; labels are empty or a label set built with
  // label(), such as `newsletter="morning"`. Sources run outside the lock, so a slow
  // one (a database count) does not stall observe().
  // REQUIRES: `name` matches [a-zA-Z_:][a-zA-Z0-9_:]* and is not added twice.
  using GaugeSource = std::function<std::vector<std::pair<std::string, double>>()>;
  void add_gauge(std::string name, std::string help, GaugeSource source);

  // Adds families rendered elsewhere (the send engine's counters and histogram): the
  // source returns complete exposition text, HELP and TYPE lines included, appended
  // after everything else. Runs outside the lock.
  using TextSource = std::function<std::string()>;
  void add_text(TextSource source);

  // `name="value"` with the value escaped for the text format; join several with ','.
  static std::string label(std::string_view name, std::string_view value);

  std::string render() const;
  // The Content-Type of what render() returns.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  struct Histogram {
    std::vector<unsigned long long> buckets;  // cumulative at render time
    unsigned long long count = 0;
    double sum = 0;
  };
  struct Gauge {
    std::string name, help;
    GaugeSource source;
  };
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, unsigned long long> requests_;
  std::map<std::string, Histogram> latency_;
  std::vector<Gauge> gauges_;
  std::vector<TextSource> texts_;
};

}  // namespace broadsheet::http
