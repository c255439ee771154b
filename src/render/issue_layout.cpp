// Layouts are Mustache (kainjow). Reader fields are given to it as lambdas that answer
// their marker, so one rendering serves every reader; a lambda asked to render a
// section means the layout branches on a reader's value, which one rendering cannot
// honour, so that is refused. kainjow reports errors as text, but its parser can
// throw std::out_of_range on some malformed tags; both become an Error here.
#include "render/issue_layout.hpp"

#include <fmt/format.h>

#include <cctype>
#include <exception>
#include <kainjow/mustache.hpp>

#include "render/merge_fields.hpp"

namespace broadsheet::render::detail {
namespace {

namespace mustache = kainjow::mustache;

// Calls f(kind, name) for each section tag ({{#name}} or {{^name}}) of `source`.
template <typename F>
void for_each_section(std::string_view source, F f) {
  for (std::size_t at = source.find("{{"); at != std::string_view::npos;
       at = source.find("{{", at + 2)) {
    std::size_t i = at + 2;
    while (i < source.size() && source[i] == ' ') ++i;
    if (i >= source.size() || (source[i] != '#' && source[i] != '^')) continue;
    const char kind = source[i++];
    while (i < source.size() && source[i] == ' ') ++i;
    std::size_t end = i;
    while (end < source.size() &&
           (std::isalnum(static_cast<unsigned char>(source[end])) || source[end] == '_')) {
      ++end;
    }
    f(kind, source.substr(i, end - i));
  }
}

Status check_source(std::string_view what, std::string_view source) {
  for (unsigned char c : source) {
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{} contains the control character 0x{:02X}", what, c));
    }
  }
  // "{{^name}}" would silently never show (a lambda is never false); say so instead.
  Status out;
  for_each_section(source, [&](char kind, std::string_view name) {
    auto field = reader_field_named(name);
    if (!field || !out) return;
    out = make_error(
        Errc::invalid_argument,
        fmt::format("{} uses the reader field {} as a section ({{{{{}{}}}}}); "
                    "reader fields can only be shown, as {{{{{}}}}}",
                    what, field_name(*field), kind, field_name(*field), field_name(*field)));
  });
  return out;
}

}  // namespace

bool has_section(std::string_view source, std::string_view name) {
  bool found = false;
  for_each_section(source,
                   [&](char kind, std::string_view n) { found |= kind == '#' && n == name; });
  return found;
}

Result<std::string> render_layout(std::string_view what, std::string_view source, bool html,
                                  const LayoutValues& fixed, const LayoutValues& optional,
                                  bool web) {
  if (auto ok = check_source(what, source); !ok) return ok.error();
  try {
    mustache::mustache tmpl{std::string(source)};
    if (!tmpl.is_valid()) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{} is not valid Mustache: {}", what, tmpl.error_message()));
    }
    if (!html) tmpl.set_custom_escape([](const std::string& s) { return s; });
    mustache::data data;
    for (const auto& [name, value] : fixed) data.set(name, value);
    for (const auto& [name, value] : optional) {
      data.set(name, value.empty() ? mustache::data(false) : mustache::data(value));
    }
    data.set("web", web);
    std::string misused;
    for (std::size_t i = 0; i < kReaderFieldCount; ++i) {
      const auto field = static_cast<ReaderField>(i);
      data.set(std::string(field_name(field)),
               mustache::lambda{[field, &misused](const std::string& section) {
                 if (!section.empty()) misused = field_name(field);
                 return field_marker(field);
               }});
    }
    std::string out = tmpl.render(data);
    if (!tmpl.is_valid()) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{} cannot be rendered: {}", what, tmpl.error_message()));
    }
    if (!misused.empty()) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{} uses the reader field {} as a section", what, misused));
    }
    return out;
  } catch (const std::exception& e) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} is not valid Mustache ({})", what, e.what()));
  }
}

}  // namespace broadsheet::render::detail
