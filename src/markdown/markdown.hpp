// The body of an issue, written by an editor in Markdown, turned into the two bodies of
// an email: HTML that mail clients render as meant, and a plain-text alternative made
// from the same Markdown (not by stripping the HTML).
//
// Dialect: CommonMark with md4c's tables, strikethrough and permissive autolinks
// (https://…, www.…, name@domain). Raw HTML is NOT passed through: an editor's
// "<b>" shows as the text "<b>". Mail clients strip or mangle most of it anyway, the
// same HTML is served on the public archive page, and every element must carry the
// inline styles below, which raw HTML would not.
//
// HTML: every element carries inline styles (mail clients drop <style> rules); tables
// are width="100%" with bordered cells, images are max-width:100% and always have an
// alt attribute (the image's text, else its title, else "Image"). Links and images
// keep http, https and mailto targets (images: http and https); a target starting
// with "/" is made absolute with base_url; any other target (javascript:, data:, a
// relative path) is dropped and the link's text kept. Every block ends with a line
// break, so the HTML has short lines.
//
// Plain text: paragraphs wrapped at 72 columns; links as numbered footnotes "[1]"
// listed under "Links:" at the end (an autolink whose text is its address stays as it
// is); headings underlined (= for level 1, - for level 2); lists with "*" or "1."
// and hanging indents; block quotes with "> "; code blocks indented by four spaces and
// never wrapped; tables as aligned columns when they fit in 72 columns, otherwise one
// "Header: value" record per row.
//
// Merge fields: "{{name}}" (or "{{{name}}}", or `{{name | default: "text"}}`, see
// fields.hpp) in text, link text or as a whole link target is replaced by what
// `merge_field` answers for that field (a field marker of
// render/merge_fields.hpp, or a fixed value). As a link target the value must pass the
// same scheme check as a target written out: a fixed value is checked here, a reader
// field's marker becomes its link marker, filled per reader only with an http, https
// or mailto URL (a reader named "javascript:…" gets an empty target). A name it does
// not know is an error that names it, so a typo never reaches a reader. Inside code,
// braces are kept as written.
//
// Stories: a body is read as a run of stories, so that a block (an issue's sponsor) can
// stand between the first and the second. The second story begins at the first
// top-level block (not inside a list or a quote), after at least one other, that is
// either a thematic break ("---") or a heading of the story level that follows an
// earlier heading of that level; the story level is the smallest heading level that
// two or more top-level headings use ("# Title" once, then "## One", "## Two": level
// 2). A body with neither is one story, and the block goes after it. The render_*
// functions say where the first story ends in what they wrote.
//
// What it trusts: nothing in the Markdown. Errors (Errc::invalid_argument): more than
// kMaxMarkdown bytes, invalid UTF-8, control characters other than TAB, CR and LF, an
// unknown merge field. Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "markdown/fields.hpp"

namespace broadsheet::markdown {

inline constexpr std::size_t kMaxMarkdown = 1 << 20;

struct MarkdownOptions {
  std::string base_url;  // e.g. "https://news.example.com", no trailing slash
  // What stands for "{{name}}" (field.name, with field.fallback when one is written):
  // escaped for HTML when `html`. nullopt: no such field. Unset: braces are kept as
  // written.
  std::function<std::optional<std::string>(const FieldRef& field, bool html)> merge_field;
  // Plain text: the number of the first link footnote, so a block rendered apart (the
  // sponsor) continues the body's numbers instead of repeating "[1]".
  std::size_t first_footnote = 1;
};

// What a render_* function wrote: `out`, of which out.substr(0, first_story_end) is
// the first story (see "Stories" above; out.size() when the body is one story), and
// the number of link footnotes the plain text lists.
struct Rendered {
  std::string out;
  std::size_t first_story_end = 0;
  std::size_t footnotes = 0;
};

Result<std::string> markdown_to_email_html(std::string_view markdown,
                                           const MarkdownOptions& options = {});
Result<std::string> markdown_to_text(std::string_view markdown,
                                     const MarkdownOptions& options = {});
// The same, with where the first story ends: after its last line break, so in the
// plain text the rest begins with the blank line between the stories.
Result<Rendered> render_email_html(std::string_view markdown, const MarkdownOptions& options = {});
Result<Rendered> render_text(std::string_view markdown, const MarkdownOptions& options = {});

}  // namespace broadsheet::markdown
