// Header values of an issue's messages, for issue_render.cpp: checks of the values that
// come from readers and the configuration, and the fields they become. Internal to
// src/render (namespace render::detail). Pure functions; safe from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace broadsheet::render::detail {

inline constexpr std::size_t kMaxUrl = 900;  // stays on one 998-octet line with its name

// Errc::invalid_argument "WHAT WHY".
Error refuse(std::string_view what, std::string_view why);

// Appends "Name: tokens" CRLF, folded between tokens (mime::fold).
Status append_field(std::string& out, std::string_view name,
                    const std::vector<std::string>& tokens);

// An http(s) URL of printable ASCII without spaces, quotes or angle brackets, at most
// kMaxUrl bytes.
Status check_url(std::string_view what, std::string_view url);

// "mailto:addr" from "addr" or "mailto:addr?subject=…", checked like a URL (no commas).
Result<std::string> mailto_uri(std::string_view value);

// Letters, digits, hyphens and dots, at most 253.
Status check_domain(std::string_view what, std::string_view domain);

// Refuses a merge field in text that is the same for every reader (subject, preheader).
Status refuse_fields(std::string_view what, std::string_view text);

// `"Name" <id>` for List-Id: a quoted string when the name is plain ASCII, else encoded
// words (RFC 2919 allows a phrase).
std::string list_id_value(std::string_view name, std::string_view id);

}  // namespace broadsheet::render::detail
