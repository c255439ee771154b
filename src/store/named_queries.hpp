// Named queries: the SQL of a store backend, kept in .sql files rather than in C++.
//
// A file is a sequence of blocks, each opened by a line `-- name: some_name`; the SQL
// of the block runs until the next such line. Blank lines and `--` comment lines may
// precede the first block (a header). Names are letters, digits and underscores and
// unique within a file; a block without SQL is an error. The loader knows no dialect:
// each backend prepares the text with its own engine, so a typo fails at start-up.
// Immutable once parsed; safe to read from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/resources.hpp"
#include "core/result.hpp"

namespace broadsheet::store {

struct NamedQuery {
  std::string name;
  std::string sql;  // the block without its name line, trimmed
  int line = 0;     // line of the `-- name:` marker, for messages
  std::string origin;  // the file it came from, for messages
};

class NamedQueries {
 public:
  // Parses `text`; `origin` (a file name) prefixes every error message.
  // Errc::invalid_argument names the line and what is wrong with it.
  static Result<NamedQueries> parse(std::string_view text, std::string_view origin);
  // Parses several files as one set (a backend keeps one file per role of the store):
  // names are unique across them, and a name in two files is Errc::invalid_argument
  // naming both. `origin` names the set (a folder) in messages.
  static Result<NamedQueries> parse_files(const std::vector<Resource>& files,
                                          std::string_view origin);

  const std::string& origin() const { return origin_; }
  const std::vector<NamedQuery>& all() const { return queries_; }  // in file order
  const NamedQuery* find(std::string_view name) const;             // nullptr when absent

 private:
  std::string origin_;
  std::vector<NamedQuery> queries_;
};

}  // namespace broadsheet::store
