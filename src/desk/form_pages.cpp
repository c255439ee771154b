#include "desk/form_pages.hpp"

#include <fmt/format.h>

#include "admin/roles.hpp"
#include "desk/layout.hpp"

namespace broadsheet::desk::detail {

std::optional<http::FormFields> posted_form(const http::Request& request, std::size_t max_fields) {
  if (!http::has_content_type(request, "application/x-www-form-urlencoded")) return std::nullopt;
  auto fields = http::parse_form(request.body, max_fields);
  if (!fields) return std::nullopt;
  return std::move(*fields);
}

http::Response see_other(std::string location) {
  auto r = http::Response::redirect(303, std::move(location));
  return desk_headers(r);
}

http::Response refusal_page(DeskContext& ctx, const http::Request& request,
                            const ApiAnswer& answer) {
  return error_page(ctx.templates, ctx.config, request, answer.status, answer.message);
}

namespace {
bool role_allows(const http::Request& request, http::Access access) {
  auto role = user_role_from(request.caller.role);
  return role && admin::role_allows(*role, access);
}
}  // namespace

bool may_edit(const http::Request& request) { return role_allows(request, http::Access::content); }
bool is_admin(const http::Request& request) { return role_allows(request, http::Access::admin); }
bool may_change_readers(const http::Request& request) {
  return role_allows(request, http::Access::audience);
}

Result<boost::json::object> attribute_lines(std::string_view text) {
  boost::json::object out;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return make_error(Errc::invalid_argument,
                        fmt::format("Attributes: \"{}\" is not KEY=VALUE.", line.substr(0, 60)));
    }
    out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

std::string attribute_lines_of(const boost::json::value& attributes) {
  std::string out;
  if (!attributes.is_object()) return out;
  for (const auto& field : attributes.as_object()) {
    if (!field.value().is_string()) continue;
    out += fmt::format("{}={}\n", std::string_view(field.key()),
                       std::string_view(field.value().as_string()));
  }
  return out;
}

boost::json::array comma_list(std::string_view text) {
  boost::json::array out;
  for (auto& name : split_sections(text)) out.emplace_back(name);
  return out;
}

std::string unix_lines(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

http::Response passthrough(const ApiAnswer& answer) {
  http::Response r =
      http::Response::text(answer.status, answer.raw,
                           answer.content_type.empty() ? "application/json" : answer.content_type);
  return desk_headers(r);
}

}  // namespace broadsheet::desk::detail
