#include "desk/layout.hpp"

#include "admin/roles.hpp"

namespace broadsheet::desk {
namespace {

namespace mustache = kainjow::mustache;

struct NavEntry {
  std::string_view section, label, href;
  http::Access access;  // what the role must allow to see it
};

// Pages others build appear here as they land; a link to one not built yet is a 404.
constexpr NavEntry kNav[] = {
    {"dashboard", "Dashboard", "/admin", http::Access::read},
    {"newsletters", "Newsletters", "/admin/newsletters", http::Access::read},
    {"issues", "Issues", "/admin/issues", http::Access::read},
    {"readers", "Readers", "/admin/readers", http::Access::read},
    {"segments", "Segments", "/admin/segments", http::Access::read},
    {"settings", "Settings", "/admin/settings", http::Access::admin},
};

}  // namespace

http::Response& desk_headers(http::Response& response) {
  response.set_header("Content-Security-Policy", std::string(kDeskPolicy));
  response.set_header("Cache-Control", "no-store");
  return response;
}

http::Response render_page(const web::Templates& templates, const Config& config,
                           const http::Request& request, DeskPage page) {
  const auto& caller = request.caller;
  web::TemplateData layout;
  layout.set("title", page.title);
  layout.set("publication", config.publication.name);
  if (page.refresh_seconds > 0) layout.set("refresh_seconds", std::to_string(page.refresh_seconds));
  if (!caller.username.empty()) {
    const UserRole role = user_role_from(caller.role).value_or(UserRole::viewer);
    mustache::data nav{mustache::data::type::list};
    for (const auto& entry : kNav) {
      if (!admin::role_allows(role, entry.access)) continue;
      mustache::data item;
      item.set("label", std::string(entry.label));
      item.set("href", std::string(entry.href));
      item.set("current", entry.section == page.section);
      nav.push_back(item);
    }
    mustache::data user;
    user.set("username", caller.username);
    user.set("role", caller.role);
    user.set("csrf_token", caller.csrf_token);
    user.set("nav", nav);
    layout.set("user", user);
    page.data.set("csrf_token", caller.csrf_token);
  }
  layout.set("content", templates.render(page.body_template, page.data));
  auto response = http::Response::html(page.status, templates.render("desk/layout", layout));
  return desk_headers(response);
}

http::Response error_page(const web::Templates& templates, const Config& config,
                          const http::Request& request, int status, std::string_view message) {
  web::TemplateData data;
  data.set("message", std::string(message));
  return render_page(templates, config, request,
                     {"desk/error", std::string(http::status_reason(status)), data, "", status});
}

}  // namespace broadsheet::desk
