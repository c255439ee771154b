// Prometheus metrics of the HTTP side: requests by route and status, and a latency
// histogram by route. Rendered as Prometheus text exposition format 0.0.4.
// Thread-safe: observe() is called from every server thread.
#pragma once

#include <functional>
#include <map>
#include <tuple>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace broadsheet::http {

class Metrics {
 public:
  Metrics();

  // Records one finished request. `route` is the matched pattern, not the raw path,
  // so the number of series stays bounded whatever clients send.
  void observe(const std::string& method, const std::string& route, int status,
               double seconds);

  // Adds a gauge line computed at render time, e.g. subscriber counts.
  using GaugeSource = std::function<std::vector<std::pair<std::string, double>>()>;
  void add_gauge(std::string name, std::string help, GaugeSource source);

  std::string render() const;

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
};

}  // namespace broadsheet::http
