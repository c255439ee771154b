// Files built into the binary: SQL queries and migrations, page templates, static
// assets. Paths are relative to the source tree ("src/store/sqlite/queries/issues.sql",
// "web/templates/article.mustache"). Immutable; safe from any thread.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace broadsheet {

struct Resource {
  std::string_view path;
  std::string_view content;
};

const std::vector<Resource>& all_resources();

// The content of the resource at `path`, or nullopt.
std::optional<std::string_view> resource(std::string_view path);

// Every resource whose path starts with `prefix`, sorted by path.
std::vector<Resource> resources_under(std::string_view prefix);

}  // namespace broadsheet
