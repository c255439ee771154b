// A reader's attributes as the two backends store them (subscribers.attributes,
// segments.attributes): one JSON object of strings, {"key":"value",...}, in the order
// given. SQLite keeps the text; PostgreSQL parses it into jsonb.
#pragma once

#include <string>
#include <vector>

#include "core/text.hpp"
#include "store/reader_directory.hpp"

namespace broadsheet::store {

inline std::string attributes_json(const std::vector<ReaderAttribute>& attributes) {
  std::string out = "{";
  for (const ReaderAttribute& a : attributes) {
    if (out.size() > 1) out.push_back(',');
    append_json_string(out, a.key);
    out.push_back(':');
    append_json_string(out, a.value);
  }
  out.push_back('}');
  return out;
}

}  // namespace broadsheet::store
