#include "store/migrations.hpp"

#include <fmt/format.h>

#include <string>

namespace broadsheet::store {
namespace {

// "…/0003_add_issue_index.sql" → 3; 0 when the name does not follow NNNN_what.sql.
int version_of(std::string_view path) {
  std::string_view name = path.substr(path.rfind('/') + 1);  // npos + 1 == 0
  std::size_t digits = 0;
  while (digits < name.size() && name[digits] >= '0' && name[digits] <= '9') ++digits;
  bool well_named =
      digits == 4 && name.size() > 9 && name[4] == '_' && name.substr(name.size() - 4) == ".sql";
  if (!well_named) return 0;
  return std::stoi(std::string(name.substr(0, digits)));
}

}  // namespace

Result<std::vector<Migration>> parse_migrations(const std::vector<Resource>& files) {
  std::vector<Migration> out;
  for (const auto& f : files) {
    int version = version_of(f.path);
    if (version == 0) {
      return make_error(Errc::internal,
                        fmt::format("migration '{}' is not named NNNN_what.sql", f.path));
    }
    if (!out.empty() && version != out.back().version + 1) {
      return make_error(Errc::internal, fmt::format("migration '{}' should be number {}", f.path,
                                                    out.back().version + 1));
    }
    out.push_back(Migration{version, f.path, f.content});
  }
  return out;
}

}  // namespace broadsheet::store
