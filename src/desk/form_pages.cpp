#include "desk/form_pages.hpp"

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
