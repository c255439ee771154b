// Merge fields in what an editor writes: the "{{name}}" syntax, and the markers that
// stand for a reader's own fields in rendered text.
//
// An issue is rendered once; what differs per reader (name, email, the issue date in
// the reader's zone, the unsubscribe and preferences links) is left in the rendered
// text as a marker: the byte 0x01 followed by one letter naming the field. Inputs that
// reach the renderer are refused when they hold control bytes, so a marker cannot come
// from an editor, a publisher or a reader. render/merge_fields.hpp fills the markers
// per reader.
//
// Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace broadsheet::markdown {

enum class ReaderField : unsigned char {
  name,             // the reader's name, or the newsletter's fallback ("reader")
  email,            // the reader's address as they should see it
  issue_date,       // the issue's date in the reader's time zone
  unsubscribe_url,  // one-click unsubscribe page for this reader and newsletter
  preferences_url,  // the reader's preferences page
};
inline constexpr std::size_t kReaderFieldCount = 5;

// The name an editor writes between braces, e.g. "unsubscribe_url".
std::string_view field_name(ReaderField field);
std::optional<ReaderField> reader_field_named(std::string_view name);

// The byte that starts every marker.
inline constexpr char kMarkerByte = '\x01';

// The two bytes that stand for `field` in rendered text.
std::string field_marker(ReaderField field);
// The two bytes that stand for `field` as a whole link target: filled like
// field_marker, but with nothing unless the value is an http, https or mailto URL
// (link_scheme_allowed), since a reader chooses their own name and address and an
// editor may write [Profile]({{name}}).
std::string link_marker(ReaderField field);
// The field `text` stands for when it is exactly one marker (either kind).
std::optional<ReaderField> marker_field(std::string_view text);
// The field index and kind of the marker starting at text[at] (text[at] is
// kMarkerByte); field -1 when the text ends there.
struct Marker {
  int field = -1;
  bool link = false;  // a link_marker
};
Marker marker_at(std::string_view text, std::size_t at);

// True when `url` begins with "http://", "https://" or "mailto:" (any case): the
// schemes a link in an issue may have. HTML escaping does not change the answer.
bool link_scheme_allowed(std::string_view url);

// The length of the merge field "{{name}}" or "{{{name}}}" (spaces allowed inside the
// braces) starting at text[at], its name, and its fallback when written
// `{{name | default: "text"}}`; nullopt when none starts there. A fallback is at most
// kMaxFieldFallback bytes of text without quotes, braces or control characters.
inline constexpr std::size_t kMaxFieldFallback = 100;
struct FieldRef {
  std::size_t length = 0;
  std::string_view name;
  std::optional<std::string_view> fallback;
};
std::optional<FieldRef> field_at(std::string_view text, std::size_t at);

}  // namespace broadsheet::markdown
