#include "http/access_log.hpp"

#include <fmt/format.h>

#include <random>

namespace broadsheet::http {

std::string new_request_id() {
  // One generator per thread: no lock on the hot path, and seeded once per thread
  // from the system's entropy so two processes do not repeat each other's ids.
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return fmt::format("{:016x}", generator());
}

std::string loggable(std::string_view text, std::size_t max) {
  bool cut = text.size() > max;
  if (cut) text = text.substr(0, max);
  std::string out;
  out.reserve(text.size() + 3);
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '\\' || c == '"') {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += ch;
    }
  }
  if (cut) out += "...";
  return out;
}

RawRequestLine sniff_request_line(std::string_view raw) {
  raw = raw.substr(0, raw.find_first_of("\r\n"));
  RawRequestLine line;
  auto space = raw.find(' ');
  line.method = raw.substr(0, space);
  if (space == std::string_view::npos) return line;
  raw.remove_prefix(space + 1);
  line.target = raw.substr(0, raw.find(' '));
  return line;
}

std::string format_access(const AccessRecord& r) {
  return fmt::format("{} {} {} \"{}\" {} {} {:.1f}ms", r.request_id, loggable(r.remote, 64),
                     loggable(r.method, 20), loggable(r.target), r.status, r.bytes, r.milliseconds);
}

}  // namespace broadsheet::http
