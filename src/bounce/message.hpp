// The parts of an inbound message the processor reads, taken out with GMime within
// limits (bounce.hpp). Internal to src/bounce/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bounce/bounce.hpp"

namespace broadsheet::bounce::detail {

struct InboundMessage {
  bool parsed = false;
  std::string over_limit;  // why it was not read in full; "" when it was
  // Top-level header fields (unfolded, decoded where they are text).
  std::string envelope_recipients;  // Delivered-To, X-Original-To, Envelope-To, To
  std::string from, subject, auto_submitted, precedence;
  bool autoreply_header = false;  // X-Autoreply, X-Autorespond, X-Auto-Response-Suppress...
  std::string report_type;        // of a top-level multipart/report, lowercase
  // message/delivery-status and message/feedback-report bodies.
  std::vector<std::string> reports;
  // Headers of returned originals: message/rfc822 and text/rfc822-headers parts.
  std::string original_headers;
  // text/plain parts, at most a few kilobytes each: non-standard bounces quote there.
  std::string text;
};

InboundMessage read_message(std::string_view raw, const Limits& limits);

// Header blocks of a report body: blocks separated by empty lines, each a list of
// (lowercase name, value) with continuation lines unfolded. Bounded by `max_blocks`.
using Fields = std::vector<std::pair<std::string, std::string>>;
std::vector<Fields> header_blocks(std::string_view text, std::size_t max_blocks);
std::string field(const Fields& f, std::string_view lowercase_name);

}  // namespace broadsheet::bounce::detail
