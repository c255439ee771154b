#include "admin/reader_fields.hpp"

#include <fmt/format.h>

#include <set>

#include "core/clock.hpp"
#include "core/text.hpp"
#include "schedule/schedule.hpp"

namespace broadsheet::admin {

Status check_reader_name(std::string_view name, std::string_view label) {
  if (!is_valid_utf8(name) || has_unprintable_chars(name) || name.size() > kMaxReaderName) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} must be one line of UTF-8 text of at most {} bytes", label,
                                  kMaxReaderName));
  }
  return {};
}

Status check_reader_zone(std::string_view zone, std::string_view label) {
  if (zone.empty() || schedule::is_known_timezone(zone)) return {};
  return make_error(Errc::invalid_argument,
                    fmt::format("{}: unknown time zone \"{}\" (an IANA name such as "
                                "Europe/Paris, or \"\" for none)",
                                label, excerpt(zone, 60)));
}

Status check_reader_attributes(const std::vector<ReaderAttribute>& attributes,
                               std::string_view label) {
  if (attributes.size() > kMaxReaderAttributes) {
    return make_error(Errc::invalid_argument, fmt::format("{}: at most {} attributes", label,
                                                          kMaxReaderAttributes));
  }
  std::set<std::string_view> keys;
  for (const ReaderAttribute& a : attributes) {
    if (a.key.empty() || a.key.size() > kMaxAttributeKeyBytes || !is_valid_utf8(a.key) ||
        has_unprintable_chars(a.key)) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{}: a key must be 1 to {} bytes of printable UTF-8", label,
                                    kMaxAttributeKeyBytes));
    }
    if (a.value.size() > kMaxAttributeValueBytes || !is_valid_utf8(a.value) ||
        has_unprintable_chars(a.value)) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{}: the value of \"{}\" must be at most {} bytes of "
                                    "printable UTF-8",
                                    label, excerpt(a.key), kMaxAttributeValueBytes));
    }
    if (!keys.insert(a.key).second) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{}: \"{}\" is given twice", label, excerpt(a.key)));
    }
  }
  return {};
}

Status choose_issue_segment(store::Segments& segments, Id issue_id,
                            const std::optional<std::string>& segment) {
  std::optional<Id> id;
  if (segment) {
    auto g = segments.segment_by_name(*segment);
    if (!g) return g.error();
    id = g->id;
  }
  return segments.set_issue_segment(issue_id, id);
}

Result<store::Segment> segment_for_new_issue(store::Segments& segments, Id newsletter_id,
                                             const std::string& segment, std::string_view label) {
  auto g = segments.segment_by_name(segment);
  if (!g) {
    if (g.error().code != Errc::not_found) return g.error();
    return make_error(Errc::invalid_argument,
                      fmt::format("{}: no segment named \"{}\".", label, excerpt(segment)));
  }
  if (g->filter.newsletter_id && *g->filter.newsletter_id != newsletter_id) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{}: \"{}\" is a segment of another newsletter.", label,
                                  excerpt(segment)));
  }
  return g;
}

Result<std::optional<std::string>> issue_segment_name(store::Segments& segments, Id issue_id) {
  auto id = segments.issue_segment(issue_id);
  if (!id) return id.error();
  if (!*id) return std::optional<std::string>{};
  auto g = segments.segment_by_id(**id);
  if (!g) return g.error();
  return std::optional<std::string>(g->name);
}

void append_reader_csv(std::string& out, const Subscriber& s) {
  csv_append_field(out, s.email);
  out += ',';
  csv_append_field(out, s.name);
  out += ',';
  csv_append_field(out, s.timezone);
  out += ',';
  out += to_string(s.status);
  out += ',';
  out += format_iso8601(s.created_at);
  out += '\n';
}

}  // namespace broadsheet::admin
