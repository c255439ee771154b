#include "markdown/fields.hpp"

#include <array>
#include <cctype>

namespace broadsheet::markdown {
namespace {

constexpr std::array<std::string_view, kReaderFieldCount> kNames = {
    "name", "email", "issue_date", "unsubscribe_url", "preferences_url"};

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

// Markers: kMarkerByte, then 'A' + field (field_marker) or 'a' + field (link_marker).
Marker marker_at(std::string_view text, std::size_t at) {
  if (at + 1 >= text.size()) return {};
  const char letter = text[at + 1];
  if (letter >= 'a') return {letter - 'a', true};
  return {letter - 'A', false};
}

std::string_view field_name(ReaderField field) { return kNames[static_cast<std::size_t>(field)]; }

std::optional<ReaderField> reader_field_named(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<ReaderField>(i);
  }
  return std::nullopt;
}

std::string field_marker(ReaderField field) {
  return {kMarkerByte, static_cast<char>('A' + static_cast<int>(field))};
}

std::string link_marker(ReaderField field) {
  return {kMarkerByte, static_cast<char>('a' + static_cast<int>(field))};
}

std::optional<ReaderField> marker_field(std::string_view text) {
  if (text.size() != 2 || text[0] != kMarkerByte) return std::nullopt;
  const int field = marker_at(text, 0).field;
  if (field < 0 || field >= static_cast<int>(kReaderFieldCount)) return std::nullopt;
  return static_cast<ReaderField>(field);
}

bool link_scheme_allowed(std::string_view url) {
  return starts_with_nocase(url, "https://") || starts_with_nocase(url, "http://") ||
         starts_with_nocase(url, "mailto:");
}

std::optional<FieldRef> field_at(std::string_view text, std::size_t at) {
  std::size_t braces = 0;
  while (at + braces < text.size() && text[at + braces] == '{' && braces < 4) ++braces;
  if (braces != 2 && braces != 3) return std::nullopt;
  std::size_t i = at + braces;
  while (i < text.size() && text[i] == ' ') ++i;
  const std::size_t name_start = i;
  while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) {
    ++i;
  }
  if (i == name_start || i - name_start > 64) return std::nullopt;
  FieldRef field{0, text.substr(name_start, i - name_start), std::nullopt};
  auto skip_spaces = [&] {
    while (i < text.size() && text[i] == ' ') ++i;
  };
  skip_spaces();
  if (i < text.size() && text[i] == '|') {
    ++i;
    skip_spaces();
    constexpr std::string_view kDefault = "default:";
    if (text.substr(i, kDefault.size()) != kDefault) return std::nullopt;
    i += kDefault.size();
    skip_spaces();
    if (i >= text.size() || text[i] != '"') return std::nullopt;
    const std::size_t start = ++i;
    while (i < text.size() && text[i] != '"') {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c < 0x20 || c == 0x7F || c == '{' || c == '}') return std::nullopt;
      ++i;
    }
    if (i >= text.size() || i - start > kMaxFieldFallback) return std::nullopt;
    field.fallback = text.substr(start, i - start);
    ++i;
    skip_spaces();
  }
  if (text.substr(i, braces) != std::string_view("}}}").substr(0, braces)) return std::nullopt;
  field.length = i + braces - at;
  return field;
}

}  // namespace broadsheet::markdown
