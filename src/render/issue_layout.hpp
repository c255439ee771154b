// Rendering an email layout (email_layout.hpp) once per issue, for issue_render.cpp.
// Internal to src/render (namespace render::detail). Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace broadsheet::render::detail {

using LayoutValues = std::vector<std::pair<std::string, std::string>>;

// Renders the Mustache `source` with the `fixed` values (name, value), the `optional`
// ones (false when empty, so {{#name}}…{{/name}} shows only with a value) and the
// boolean `web`, leaving each reader field (merge_fields.hpp) as its marker. In an
// HTML layout {{x}} is HTML-escaped; in a text layout nothing is. Errc::invalid_argument
// naming `what` for control characters, invalid Mustache, or a reader field used as
// a section.
Result<std::string> render_layout(std::string_view what, std::string_view source, bool html,
                                  const LayoutValues& fixed, const LayoutValues& optional,
                                  bool web);

// True when `source` opens the section `name` ({{#name}}): a layout that places a
// block itself.
bool has_section(std::string_view source, std::string_view name);

}  // namespace broadsheet::render::detail
