// Page templates (Mustache, kainjow) built into the binary from web/templates/.
// All are parsed at start-up: a broken template fails the start, not a request.
// Immutable after load; render() is safe from any thread.
#pragma once

#include <kainjow/mustache.hpp>
#include <map>
#include <string>

#include "core/result.hpp"

namespace broadsheet::web {

using TemplateData = kainjow::mustache::data;

class Templates {
 public:
  // Loads every web/templates/*.mustache resource.
  static Result<Templates> load();

  // Renders template `name` (file name without .mustache). REQUIRES: it exists.
  std::string render(const std::string& name, const TemplateData& data) const;

  // Renders `name` inside layout.mustache with `title` and the shared site data.
  std::string page(const std::string& name, const std::string& title, TemplateData data,
                   const TemplateData& site) const;

 private:
  std::map<std::string, std::string> sources_;
};

}  // namespace broadsheet::web
