// Versioned schema migrations, shared by the backends: the files and their order.
//
// Migrations are embedded files named NNNN_what.sql, numbered without gaps. A backend's
// series may begin above 1 with a baseline (PostgreSQL's begins at 0017: the whole schema
// as SQLite had it after its 17th migration), so both backends share version numbers
// from there on. Each backend runs the files with its own engine (sqlite/migrate.hpp,
// postgres/migrate.hpp); a database newer than the binary is refused by both.
#pragma once

#include <string_view>
#include <vector>

#include "core/resources.hpp"
#include "core/result.hpp"

namespace broadsheet::store {

struct Migration {
  int version = 0;
  std::string_view path;
  std::string_view sql;
};

// Orders and checks the migration files (sorted by path). Errc::internal for a badly
// named file, a repeated number or a gap: the binary was built wrong. The first file's
// number is where the series begins.
Result<std::vector<Migration>> parse_migrations(const std::vector<Resource>& files);

}  // namespace broadsheet::store
