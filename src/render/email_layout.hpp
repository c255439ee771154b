// The layout an issue is poured into: a Mustache template for the HTML body and one
// for the plain-text body. Broadsheet carries defaults (web/templates/email/
// issue.html.mustache and issue.txt.mustache); a publisher replaces them by putting
// files in the data folder:
//   DATA/templates/email/SLUG.html.mustache   for one newsletter
//   DATA/templates/email/issue.html.mustache  for every newsletter
// (and the same with .txt.mustache). Each of the two is looked up on its own: a
// publisher may replace the HTML and keep the built-in text layout.
//
// What a layout may use is listed in issue_render.hpp. Loading checks only that the
// file is readable, at most kMaxLayout bytes and valid UTF-8; PreparedIssue::prepare
// checks the Mustache.
//
// Reads files only; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace broadsheet::render {

inline constexpr std::size_t kMaxLayout = 256 * 1024;

struct EmailLayout {
  std::string html;
  std::string text;
  std::string html_origin;  // "built-in" or the file's path, for messages
  std::string text_origin;
};

// The layouts built into the binary.
EmailLayout builtin_email_layout();

// The layouts for the newsletter `slug` (REQUIRES: a valid slug) under `data_dir`.
// Errc::io for a file that exists but cannot be read or is too large;
// Errc::invalid_argument for one that is not UTF-8.
Result<EmailLayout> load_email_layout(const std::string& data_dir, std::string_view slug);

}  // namespace broadsheet::render
