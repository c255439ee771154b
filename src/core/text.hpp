// Escaping text for HTML, XML and JSON strings. The one copy every module uses (mail bodies, web
// pages, HTTP error pages, Atom feeds), so they cannot drift apart.
// Pure functions of their input; no allocation beyond the output string.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace broadsheet {

// Appends `text` with &, <, >, " and ' escaped (' as &#39;), for HTML element
// content and attribute values. Every other byte is copied as is.
void append_html_escaped(std::string& out, std::string_view text);
std::string html_escaped(std::string_view text);

// Appends `text` escaped for XML 1.0 content and attribute values (' as &apos;),
// dropping what XML 1.0 forbids: C0 controls other than tab, LF and CR, U+FFFE and
// U+FFFF, and stray continuation bytes (0x80..0xBF where a character should begin).
// Expects UTF-8 otherwise: a lead byte >= 0xC0 and the 1..3 bytes it announces are
// copied without checking them, so invalid UTF-8 in is not made valid.
void append_xml_escaped(std::string& out, std::string_view text);

// Appends `text` as a JSON string, quotes included (RFC 8259): " and \ escaped, control
// characters as \uXXXX, every other byte copied as is (so valid UTF-8 in, valid out).
void append_json_string(std::string& out, std::string_view text);

// A piece of untrusted text fit to quote in a message or a log line: at most
// `max_bytes` of it, cut at a character boundary (then "…" follows), with every
// invalid UTF-8 sequence and control character replaced by U+FFFD.
std::string excerpt(std::string_view text, std::size_t max_bytes = 64);

// Whether `a` and `b` are the same bytes once ASCII letters are compared without
// regard to case (header names, protocol verbs, zone names); no locale is consulted.
bool ascii_iequals(std::string_view a, std::string_view b);

// Whether `s` begins with `prefix`, compared as ascii_iequals does.
bool ascii_istarts_with(std::string_view s, std::string_view prefix);

// `s` without the spaces, tabs, CRs and LFs at either end.
std::string_view trim_whitespace(std::string_view s);

// The parts of `text` between the separators: one empty part for empty text, an empty
// part between two separators in a row.
std::vector<std::string_view> split_at(std::string_view text, char separator);

// Appends one field to `out`, quoted when it holds a comma, quote or line break. A
// field a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage
// return) gets a ' in front, as OWASP recommends: the CSV is read by people's
// spreadsheets, and the fields come from strangers (a sign-up's name).
void csv_append_field(std::string& out, std::string_view field);

}  // namespace broadsheet
