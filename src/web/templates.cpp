#include "web/templates.hpp"

#include <fmt/format.h>

#include "core/resources.hpp"

namespace broadsheet::web {

namespace mustache = kainjow::mustache;

Result<Templates> Templates::load() {
  Templates t;
  constexpr std::string_view kDir = "web/templates/";
  constexpr std::string_view kExt = ".mustache";
  for (const auto& r : resources_under(kDir)) {
    std::string_view file = r.path.substr(kDir.size());
    if (file.size() <= kExt.size() || file.substr(file.size() - kExt.size()) != kExt) continue;
    std::string name(file.substr(0, file.size() - kExt.size()));
    mustache::mustache parsed{std::string(r.content)};
    if (!parsed.is_valid()) {
      return make_error(Errc::internal,
                        fmt::format("template {}: {}", r.path, parsed.error_message()));
    }
    t.sources_.emplace(std::move(name), std::string(r.content));
  }
  if (!t.sources_.count("layout")) {
    return make_error(Errc::internal, "template web/templates/layout.mustache is missing");
  }
  return t;
}

std::string Templates::render(const std::string& name, const TemplateData& data) const {
  // kainjow's renderer keeps state while rendering, so each call parses its own copy;
  // parsing a page template takes microseconds.
  mustache::mustache tmpl{sources_.at(name)};
  return tmpl.render(data);
}

std::string Templates::page(const std::string& name, const std::string& title, TemplateData data,
                            const TemplateData& site) const {
  data.set("site", site);
  TemplateData layout = data;
  layout.set("title", title);
  layout.set("content", render(name, data));
  return render("layout", layout);
}

}  // namespace broadsheet::web
