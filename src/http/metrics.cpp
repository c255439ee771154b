#include "http/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace broadsheet::http {
namespace {

constexpr std::string_view kRequests = "broadsheet_http_requests_total";
constexpr std::string_view kDuration = "broadsheet_http_request_duration_seconds";

// Label values escape backslash, double quote and newline (text format 0.0.4).
std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// HELP text escapes only backslash and newline.
std::string escape_help(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type);
}

}  // namespace

Metrics::Metrics()
    : bounds_{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10} {}

void Metrics::observe(const std::string& method, const std::string& route, int status,
                      double seconds) {
  // The bucket is found before taking the lock; bounds_ never changes.
  auto bucket = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), seconds) -
                                         bounds_.begin());
  std::lock_guard lock(mu_);
  ++requests_[{method, route, status}];
  Histogram& h = latency_[route];
  if (h.buckets.empty()) h.buckets.assign(bounds_.size(), 0);
  if (bucket < bounds_.size()) ++h.buckets[bucket];  // beyond the last bound: +Inf only
  ++h.count;
  h.sum += seconds;
}

void Metrics::add_gauge(std::string name, std::string help, GaugeSource source) {
  if (!valid_metric_name(name)) throw std::invalid_argument("bad metric name: " + name);
  std::lock_guard lock(mu_);
  gauges_.push_back(Gauge{std::move(name), std::move(help), std::move(source)});
}

std::string Metrics::label(std::string_view name, std::string_view value) {
  return fmt::format("{}=\"{}\"", name, escape_label_value(value));
}

std::string Metrics::render() const {
  std::string out;
  std::vector<Gauge> gauges;
  std::vector<TextSource> texts;
  {
    std::lock_guard lock(mu_);
    header(out, kRequests, "HTTP requests answered, by method, route pattern and status.",
           "counter");
    for (const auto& [key, count] : requests_) {
      const auto& [method, route, status] = key;
      out += fmt::format("{}{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n", kRequests,
                         escape_label_value(method), escape_label_value(route), status, count);
    }
    header(out, kDuration,
           "Seconds from a request's complete header to its response written, by route.",
           "histogram");
    for (const auto& [route, h] : latency_) {
      std::string r = escape_label_value(route);
      unsigned long long cumulative = 0;
      for (std::size_t i = 0; i < bounds_.size(); ++i) {
        cumulative += h.buckets[i];
        out += fmt::format("{}_bucket{{route=\"{}\",le=\"{}\"}} {}\n", kDuration, r,
                           number(bounds_[i]), cumulative);
      }
      out += fmt::format("{}_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", kDuration, r, h.count);
      out += fmt::format("{}_sum{{route=\"{}\"}} {}\n", kDuration, r, number(h.sum));
      out += fmt::format("{}_count{{route=\"{}\"}} {}\n", kDuration, r, h.count);
    }
    gauges = gauges_;
    texts = texts_;
  }
  for (const auto& g : gauges) {
    header(out, g.name, g.help, "gauge");
    for (const auto& [labels, value] : g.source()) {
      if (labels.empty()) {
        out += fmt::format("{} {}\n", g.name, number(value));
      } else {
        out += fmt::format("{}{{{}}} {}\n", g.name, labels, number(value));
      }
    }
  }
  for (const auto& text : texts) out += text();
  return out;
}

void Metrics::add_text(TextSource source) {
  std::lock_guard lock(mu_);
  texts_.push_back(std::move(source));
}

}  // namespace broadsheet::http
