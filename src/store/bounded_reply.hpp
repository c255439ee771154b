// A server's reply or a reason as both backends keep it beside a delivery or an issue:
// one line (CR and LF become spaces), at most kMaxReply bytes, never cut inside a UTF-8
// character. Pure; thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace broadsheet::store {

inline constexpr std::size_t kMaxReply = 512;

inline std::string bounded_reply(std::string_view reply) {
  std::string out;
  out.reserve(std::min(reply.size(), kMaxReply));
  for (char c : reply) {
    if (out.size() >= kMaxReply) break;
    out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  }
  if (reply.size() > kMaxReply) {  // never end inside a UTF-8 character
    std::size_t end = out.size();
    while (end > 0 && (static_cast<unsigned char>(out[end - 1]) & 0xC0) == 0x80) --end;
    if (end > 0 && (static_cast<unsigned char>(out[end - 1]) & 0x80)) {
      const auto lead = static_cast<unsigned char>(out[end - 1]);
      const std::size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
      if (out.size() - (end - 1) < need) out.resize(end - 1);
    }
  }
  return out;
}

}  // namespace broadsheet::store
