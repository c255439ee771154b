// The merge fields and sections an issue's body may hold: the one table that the
// renderer (issue_render.cpp), the checks made when an issue is written (`issue
// create`, `issue update`, POST /api/v1/issues) and their error messages follow.
//
// Fields: name, email, issue_date, unsubscribe_url, preferences_url (the reader's own,
// filled per reader) and newsletter_name, publication_name, web_version_url (the same
// for everyone), written {{field}}, {{{field}}} or {{field | default: "text"}}. A
// default stands in wherever the field's value is empty: a reader without a name, and
// on the web version, which has no reader, the name and the address. A field has at
// most one default in an issue, and it holds wherever the field is written (the
// layout's {{name}} too); the text is escaped like any other value.
//
// Sections: {{#reader}}…{{/reader}} is in the emails only (the web version leaves it
// out: "You signed up with {{email}}." has no address there), {{^reader}}…{{/reader}}
// is on the web version only. Sections are read in the Markdown source before it is
// rendered, so they may span paragraphs (and are sections inside code too); a line
// that holds only a section tag is removed with its line break. They do not nest. Any
// other tag ({{#web}}, {{^web}}, {{> partial}}, {{! comment}}, {{& x}}) is refused,
// since the renderer would send it as written.
//
// Errors (Errc::invalid_argument) name the line, the tag as written and the valid
// fields and sections. Pure functions; safe from any thread.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "markdown/fields.hpp"

namespace broadsheet::render {

// Every field the body may hold, reader fields first (in ReaderField order).
inline constexpr std::array<std::string_view, 8> kBodyFields = {
    "name",           "email",           "issue_date",       "unsubscribe_url",
    "preferences_url", "newsletter_name", "publication_name", "web_version_url"};

// "name, email, …, web_version_url; sections {{#reader}}…{{/reader}} (emails only) and
// {{^reader}}…{{/reader}} (web version only)": what error messages list.
std::string body_fields_help();

// The body's Markdown as the emails and as the web version get it, sections resolved.
struct BodyVersions {
  std::string email;
  std::string web;
};
Result<BodyVersions> resolve_sections(std::string_view markdown);

// The body's fields as the renderer meets them: a reader field becomes its marker, a
// fixed field its value (or its default when that is empty), escaped for HTML when
// asked; an unknown name is nullopt. Remembers each field's default; a second,
// different default of one field is kept as the first error (status()).
class BodyFieldResolver {
 public:
  // The values of newsletter_name, publication_name and web_version_url.
  explicit BodyFieldResolver(std::array<std::string, 3> fixed) : fixed_(std::move(fixed)) {}
  std::optional<std::string> operator()(const markdown::FieldRef& field, bool html);
  const Status& status() const { return status_; }
  // The default written for `field`, if any.
  std::optional<std::string> default_of(std::string_view field) const;

 private:
  std::array<std::string, 3> fixed_;
  std::map<std::string, std::string, std::less<>> defaults_;
  Status status_;
};

// The checks made when an issue's body is written: sections, merge fields (by
// rendering both versions as the sender will) and their defaults. The error names the
// line of the first mistake and the valid fields and sections.
Status check_issue_body(std::string_view markdown);

// The checks made when an issue's sponsor block is written (Issue::sponsor_markdown):
// at most kMaxIssueSponsor bytes, not blank, and what check_issue_body checks. The
// block goes through the same renderer as the body, with the same fields. A default
// that differs from the body's for the same field is refused when the issue is
// rendered (preview, test, send), which sees both.
Status check_issue_sponsor(std::string_view markdown);

}  // namespace broadsheet::render
