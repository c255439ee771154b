#include "render/body_fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/text.hpp"
#include "core/types.hpp"
#include "markdown/markdown.hpp"

namespace broadsheet::render {
namespace {

using markdown::FieldRef;

std::size_t line_of(std::string_view text, std::size_t at) {
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + at, '\n'));
}

Error refuse_at(std::string_view text, std::size_t at, std::string_view what) {
  return Error{Errc::invalid_argument, fmt::format("line {}: {}; an issue's body may hold {}",
                                                   line_of(text, at), what, body_fields_help())};
}

// A Mustache tag with a sigil ({{#x}}, {{^x}}, {{/x}}, {{!x}}, {{>x}}, {{&x}}, {{=x}})
// starting at text[at], up to the next "}}" on its line.
struct Tag {
  std::size_t length = 0;
  char sigil = 0;
  std::string_view name;
};
std::optional<Tag> tag_at(std::string_view text, std::size_t at) {
  std::size_t i = at + 2;
  while (i < text.size() && text[i] == ' ') ++i;
  if (i >= text.size() || std::string_view("#^/!>&=").find(text[i]) == std::string_view::npos) {
    return std::nullopt;
  }
  const char sigil = text[i++];
  const std::size_t end = text.find("}}", i);
  const std::size_t line_end = text.find('\n', at);
  if (end == std::string_view::npos || end > line_end || end - at > 200) return std::nullopt;
  return Tag{end + 2 - at, sigil, trim_whitespace(text.substr(i, end - i))};
}

// Something that looks meant as a merge field but is none: "{{first name}}",
// `{{name | default: reader}}`.
bool looks_like_field(std::string_view text, std::size_t at) {
  std::size_t i = at + 2;
  while (i < text.size() && (text[i] == ' ' || text[i] == '{')) ++i;
  if (i >= text.size() || !(std::isalpha(static_cast<unsigned char>(text[i])) || text[i] == '_')) {
    return false;
  }
  const std::size_t end = text.find("}}", i);
  return end != std::string_view::npos && end < text.find('\n', i) && end - at <= 200;
}

}  // namespace

std::string body_fields_help() {
  std::string fields;
  for (std::string_view f : kBodyFields) {
    if (!fields.empty()) fields += ", ";
    fields += f;
  }
  return fmt::format(
      "the merge fields {} (as {{{{field}}}} or {{{{field | default: \"text\"}}}}) and the "
      "sections {{{{#reader}}}}…{{{{/reader}}}} (emails only) and "
      "{{{{^reader}}}}…{{{{/reader}}}} (web version only)",
      fields);
}

Result<BodyVersions> resolve_sections(std::string_view text) {
  BodyVersions out;
  char open = 0;  // '#' or '^' inside a section
  std::size_t open_at = 0;
  std::size_t from = 0;
  auto emit = [&](std::string_view piece) {
    if (open != '^') out.email += piece;
    if (open != '#') out.web += piece;
  };
  for (std::size_t at = text.find("{{"); at != std::string_view::npos;
       at = text.find("{{", std::max(at + 1, from))) {
    if (at < from) continue;
    auto tag = tag_at(text, at);
    if (!tag) {
      if (!markdown::field_at(text, at) && looks_like_field(text, at)) {
        const std::size_t end = text.find("}}", at) + 2;
        return refuse_at(text, at,
                         fmt::format("{} is not a merge field", text.substr(at, end - at)));
      }
      continue;
    }
    const std::string_view written = text.substr(at, tag->length);
    const bool reader = tag->name == "reader";
    if (!reader || (tag->sigil != '#' && tag->sigil != '^' && tag->sigil != '/')) {
      return refuse_at(text, at, fmt::format("{} is not supported", written));
    }
    if (tag->sigil != '/' && open) {
      return refuse_at(text, at,
                       fmt::format("{} inside another section (sections do not nest)", written));
    }
    if (tag->sigil == '/' && !open) {
      return refuse_at(text, at, fmt::format("{} closes no section", written));
    }
    // A tag alone on its line takes the line with it.
    std::size_t begin = at, end = at + tag->length;
    const std::size_t line_start =
        text.rfind('\n', at) == std::string_view::npos ? 0 : text.rfind('\n', at) + 1;
    std::size_t after = end;
    while (after < text.size() && (text[after] == ' ' || text[after] == '\t')) ++after;
    const bool alone_before =
        text.substr(line_start, at - line_start).find_first_not_of(" \t") == std::string_view::npos;
    if (alone_before && (after == text.size() || text[after] == '\n' || text[after] == '\r')) {
      begin = line_start;
      end = after;
      if (end < text.size() && text[end] == '\r') ++end;
      if (end < text.size() && text[end] == '\n') ++end;
    }
    emit(text.substr(from, begin - from));
    from = end;
    if (tag->sigil == '/') {
      open = 0;
    } else {
      open = tag->sigil;
      open_at = at;
    }
  }
  if (open) {
    return refuse_at(text, open_at,
                     fmt::format("{{{{{}reader}}}} is not closed by {{{{/reader}}}}", open));
  }
  emit(text.substr(from));
  return out;
}

std::optional<std::string> BodyFieldResolver::operator()(const FieldRef& field, bool html) {
  const auto known = std::find(kBodyFields.begin(), kBodyFields.end(), field.name);
  if (known == kBodyFields.end()) return std::nullopt;
  if (field.fallback) {
    auto [it, added] = defaults_.emplace(std::string(field.name), std::string(*field.fallback));
    if (!added && it->second != *field.fallback && status_) {
      status_ = make_error(Errc::invalid_argument,
                           fmt::format("{{{{{}}}}} has two defaults, \"{}\" and \"{}\": a field "
                                       "has one default in an issue",
                                       field.name, it->second, *field.fallback));
    }
  }
  if (auto reader = markdown::reader_field_named(field.name))
    return markdown::field_marker(*reader);
  const auto index =
      static_cast<std::size_t>(known - kBodyFields.begin()) - markdown::kReaderFieldCount;
  std::string_view value = fixed_[index];
  if (value.empty() && field.fallback) value = *field.fallback;
  return html ? html_escaped(value) : std::string(value);
}

std::optional<std::string> BodyFieldResolver::default_of(std::string_view field) const {
  auto it = defaults_.find(field);
  if (it == defaults_.end()) return std::nullopt;
  return it->second;
}

Status check_issue_body(std::string_view text) {
  auto versions = resolve_sections(text);
  if (!versions) return versions.error();
  BodyFieldResolver fields({"Newsletter", "Publication", "https://news.example/archive/x/1"});
  // The first field refused, copied: the renderer's text it points into is gone by the
  // time the error is reported.
  struct Bad {
    std::string name;
    std::optional<std::string> fallback;
  };
  std::optional<Bad> bad;
  markdown::MarkdownOptions options;
  options.base_url = "https://news.example";
  options.merge_field = [&](const FieldRef& field, bool html) -> std::optional<std::string> {
    auto value = fields(field, html);
    if ((!value || !fields.status()) && !bad) {
      bad = Bad{std::string(field.name),
                field.fallback ? std::optional<std::string>(*field.fallback) : std::nullopt};
    }
    return value;
  };
  for (const std::string* version : {&versions->email, &versions->web}) {
    auto html = markdown::markdown_to_email_html(*version, options);
    auto plain = html ? markdown::markdown_to_text(*version, options) : Result<std::string>(html);
    if (html && plain && fields.status()) continue;
    // The field's place in what the editor wrote.
    std::size_t at = 0;
    if (bad) {
      for (at = text.find("{{"); at != std::string_view::npos; at = text.find("{{", at + 1)) {
        auto f = markdown::field_at(text, at);
        if (f && f->name == bad->name &&
            (f->fallback ? std::optional<std::string>(*f->fallback) : std::nullopt) ==
                bad->fallback) {
          break;
        }
      }
      if (at == std::string_view::npos) at = 0;
    }
    if (!fields.status()) return refuse_at(text, at, fields.status().error().message);
    if (bad) {
      return refuse_at(text, at,
                       fmt::format("unknown merge field {}",
                                   text.substr(at, markdown::field_at(text, at)
                                                       ? markdown::field_at(text, at)->length
                                                       : 2)));
    }
    return make_error(Errc::invalid_argument, (html ? plain.error() : html.error()).message);
  }
  return {};
}

Status check_issue_sponsor(std::string_view markdown) {
  if (markdown.size() > kMaxIssueSponsor) {
    return make_error(Errc::invalid_argument,
                      fmt::format("the sponsor block is {} bytes; it may have at most {} ({} KiB)",
                                  markdown.size(), kMaxIssueSponsor, kMaxIssueSponsor / 1024));
  }
  if (markdown.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return make_error(Errc::invalid_argument,
                      "the sponsor block is empty (remove the sponsor instead)");
  }
  return check_issue_body(markdown);
}

}  // namespace broadsheet::render
