#include "desk/imports.hpp"

#include <spdlog/spdlog.h>

#include "desk/layout.hpp"

namespace broadsheet::desk {

http::Response imports_page(DeskContext& ctx, const http::Request& request) {
  auto list = ctx.newsletters.list_newsletters(false);
  if (!list) {
    spdlog::error("request {}: desk imports: {}", request.request_id, list.error().message);
    return error_page(ctx.templates, ctx.config, request, 503,
                      "The newsletters cannot be read now. Please try again later.");
  }
  kainjow::mustache::data newsletters{kainjow::mustache::data::type::list};
  for (const auto& n : *list) {
    kainjow::mustache::data row;
    row.set("slug", n.slug);
    row.set("name", n.name);
    newsletters.push_back(row);
  }
  web::TemplateData data;
  data.set("newsletters", newsletters);
  return render_page(ctx.templates, ctx.config, request,
                     {"desk/imports", "Import readers", data, "readers"});
}

}  // namespace broadsheet::desk
