#include "core/resources.hpp"

#include <algorithm>

namespace broadsheet {

std::optional<std::string_view> resource(std::string_view path) {
  for (const auto& r : all_resources()) {
    if (r.path == path) return r.content;
  }
  return std::nullopt;
}

std::vector<Resource> resources_under(std::string_view prefix) {
  std::vector<Resource> out;
  for (const auto& r : all_resources()) {
    if (r.path.substr(0, prefix.size()) == prefix) out.push_back(r);
  }
  std::sort(out.begin(), out.end(), [](const Resource& a, const Resource& b) {
    return a.path < b.path;
  });
  return out;
}

}  // namespace broadsheet
