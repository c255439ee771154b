// COPY's text format, for the writers of COPY ... FROM STDIN (imports, migrate-store):
// a row is a line, its fields are separated by tabs, \N is NULL, and a backslash, tab,
// newline or carriage return inside a field is escaped.
#pragma once

#include <string>
#include <string_view>

namespace broadsheet::store::postgres {

// Appends `field` to `line` with COPY's escapes.
inline void append_copy_field(std::string& line, std::string_view field) {
  for (char ch : field) {
    switch (ch) {
      case '\\':
        line += "\\\\";
        break;
      case '\t':
        line += "\\t";
        break;
      case '\n':
        line += "\\n";
        break;
      case '\r':
        line += "\\r";
        break;
      default:
        line.push_back(ch);
    }
  }
}

}  // namespace broadsheet::store::postgres
