#include "bounce/message.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace broadsheet::bounce::detail {
namespace {

constexpr std::size_t kMaxTextPerPart = 16 * 1024;
constexpr std::size_t kMaxOriginalHeaders = 64 * 1024;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Occurrences of "content-type:" in any case: each part that can hold others needs one,
// so this bounds the nesting GMime's parser will recurse into before it runs.
std::size_t content_type_fields(std::string_view raw) {
  static constexpr std::string_view kName = "content-type:";
  std::size_t n = 0;
  for (std::size_t i = 0; i + kName.size() <= raw.size(); ++i) {
    if ((raw[i] | 0x20) != 'c') continue;
    bool match = true;
    for (std::size_t j = 1; j < kName.size() && match; ++j) {
      match = std::tolower(static_cast<unsigned char>(raw[i + j])) == kName[j];
    }
    if (match) ++n;
  }
  return n;
}

void init_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

template <typename T>
struct Unref {
  T* p;
  explicit Unref(T* x) : p(x) {}
  ~Unref() {
    if (p) g_object_unref(p);
  }
  Unref(const Unref&) = delete;
  Unref& operator=(const Unref&) = delete;
};

std::string header(GMimeObject* o, const char* name) {
  const char* v = g_mime_object_get_header(o, name);
  return v ? std::string(v) : std::string();
}

// The decoded content of a leaf part, at most `max` bytes.
std::string content_of(GMimePart* part, std::size_t max) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (!content) return {};
  Unref<GMimeStream> mem(g_mime_stream_mem_new());
  if (g_mime_data_wrapper_write_to_stream(content, mem.p) < 0) return {};
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.p));
  if (!bytes) return {};
  return std::string(reinterpret_cast<const char*>(bytes->data),
                     std::min<std::size_t>(bytes->len, max));
}

void append_bounded(std::string& to, std::string_view text, std::size_t max) {
  if (to.size() >= max) return;
  to.append(text.substr(0, max - to.size()));
  to += "\n";
}

struct Walk {
  const Limits& limits;
  InboundMessage& out;
  int parts = 0;

  void object(GMimeObject* o, int depth) {
    if (!o || !out.over_limit.empty()) return;
    if (++parts > limits.max_parts) {
      out.over_limit = "too many parts";
      return;
    }
    if (depth > limits.max_depth) {
      out.over_limit = "nested too deep";
      return;
    }
    GMimeContentType* ct = g_mime_object_get_content_type(o);
    const std::string type = ct ? lower(g_mime_content_type_get_media_type(ct)) : "text";
    const std::string subtype = ct ? lower(g_mime_content_type_get_media_subtype(ct)) : "plain";
    if (GMIME_IS_MULTIPART(o)) {
      GMimeMultipart* mp = GMIME_MULTIPART(o);
      const int n = g_mime_multipart_get_count(mp);
      for (int i = 0; i < n && out.over_limit.empty(); ++i) {
        object(g_mime_multipart_get_part(mp, i), depth + 1);
      }
      return;
    }
    if (GMIME_IS_MESSAGE_PART(o)) {
      GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
      if (!inner) return;
      char* headers = g_mime_object_get_headers(GMIME_OBJECT(inner), nullptr);
      if (headers) {
        append_bounded(out.original_headers, headers, kMaxOriginalHeaders);
        g_free(headers);
      }
      // The original's own parts are not read: its headers name the delivery.
      return;
    }
    if (!GMIME_IS_PART(o)) return;
    GMimePart* part = GMIME_PART(o);
    if (type == "message" && (subtype == "delivery-status" || subtype == "feedback-report" ||
                              subtype == "global-delivery-status")) {
      out.reports.push_back(content_of(part, kMaxOriginalHeaders));
    } else if ((type == "text" && subtype == "rfc822-headers") ||
               (type == "message" && subtype == "global-headers")) {
      append_bounded(out.original_headers, content_of(part, kMaxOriginalHeaders),
                     kMaxOriginalHeaders);
    } else if (type == "text" && subtype == "plain") {
      append_bounded(out.text, content_of(part, kMaxTextPerPart), 4 * kMaxTextPerPart);
    }
  }
};

}  // namespace

InboundMessage read_message(std::string_view raw, const Limits& limits) {
  InboundMessage out;
  if (raw.size() > limits.max_bytes) {
    out.over_limit = "too large";
    return out;
  }
  if (content_type_fields(raw) > static_cast<std::size_t>(limits.max_parts) * 2) {
    out.over_limit = "too many parts";
    return out;
  }
  init_gmime();
  Unref<GMimeStream> stream(
      g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  Unref<GMimeParser> parser(g_mime_parser_new_with_stream(stream.p));
  Unref<GMimeMessage> message(g_mime_parser_construct_message(parser.p, nullptr));
  if (!message.p) return out;
  out.parsed = true;
  GMimeObject* top = GMIME_OBJECT(message.p);
  for (const char* name : {"Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To",
                           "To"}) {
    GMimeHeaderList* list = g_mime_object_get_header_list(top);
    const int n = g_mime_header_list_get_count(list);
    for (int i = 0; i < n && i < 256; ++i) {
      GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
      if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) != 0) continue;
      const char* v = g_mime_header_get_raw_value(h);
      if (v) append_bounded(out.envelope_recipients, v, 16 * 1024);
    }
  }
  out.from = header(top, "From");
  if (const char* s = g_mime_message_get_subject(message.p)) out.subject = s;
  out.auto_submitted = lower(header(top, "Auto-Submitted"));
  out.precedence = lower(header(top, "Precedence"));
  out.autoreply_header = !header(top, "X-Autoreply").empty() ||
                         !header(top, "X-Autorespond").empty() ||
                         !header(top, "X-Autoresponder").empty();
  GMimeObject* body = g_mime_message_get_mime_part(message.p);
  if (body) {
    GMimeContentType* ct = g_mime_object_get_content_type(body);
    if (ct && g_mime_content_type_is_type(ct, "multipart", "report")) {
      const char* rt = g_mime_content_type_get_parameter(ct, "report-type");
      out.report_type = lower(rt ? rt : "");
    }
    Walk{limits, out}.object(body, 0);
  }
  return out;
}

std::vector<Fields> header_blocks(std::string_view text, std::size_t max_blocks) {
  std::vector<Fields> blocks(1);
  std::size_t pos = 0;
  while (pos < text.size() && blocks.size() <= max_blocks) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      if (!blocks.back().empty()) blocks.emplace_back();
      continue;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !blocks.back().empty()) {
      blocks.back().back().second += ' ';
      blocks.back().back().second += std::string(line.substr(line.find_first_not_of(" \t")));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    const auto start = value.find_first_not_of(" \t");
    value = start == std::string_view::npos ? std::string_view() : value.substr(start);
    blocks.back().emplace_back(lower(line.substr(0, colon)), std::string(value));
  }
  if (blocks.back().empty()) blocks.pop_back();
  if (blocks.size() > max_blocks) blocks.resize(max_blocks);
  return blocks;
}

std::string field(const Fields& f, std::string_view name) {
  for (const auto& [n, v] : f) {
    if (n == name) return v;
  }
  return {};
}

}  // namespace broadsheet::bounce::detail
