// How a store::ReaderFilter is bound to the queries of reader_directory.sql (?3..?9),
// shared by the readers' pages and the segments. Internal to the SQLite backend.
#pragma once

#include <string>
#include <vector>

#include "store/reader_attributes.hpp"
#include "store/reader_directory.hpp"
#include "store/sqlite/query.hpp"

namespace broadsheet::store::sqlite {

// The texts a filter binds, which must outlive the Query (it binds without copying).
struct FilterText {
  std::string attributes;  // attributes_json of the filter's attributes
};

// {"key":"value",...}, as subscribers.attributes and segments.attributes hold them.
using store::attributes_json;

// Binds ?3..?9 of a reader filter query.
void bind_reader_filter(Query& q, const ReaderFilter& f, const FilterText& text);

}  // namespace broadsheet::store::sqlite
