#include "desk/api_view.hpp"

#include <fmt/format.h>

#include "admin/roles.hpp"
#include "desk/layout.hpp"
#include "http/router.hpp"

namespace broadsheet::desk {

namespace json = boost::json;
namespace mustache = kainjow::mustache;

ApiAnswer read_answer(const http::Response& response) {
  ApiAnswer out{response.status, nullptr, ""};
  boost::system::error_code ec;
  out.body = json::parse(response.body, ec);
  if (ec) out.body = nullptr;
  if (response.status >= 400) {
    out.message = "The request failed.";
    const json::value* e = out.body.is_object() ? out.body.as_object().if_contains("error") : nullptr;
    if (e && e->is_object()) {
      if (const auto* m = e->as_object().if_contains("message"); m && m->is_string()) {
        out.message = std::string(m->as_string());
      }
    }
  }
  return out;
}

http::Request api_call(const http::Request& request, http::Method method, const json::value& body) {
  http::Request call = request;
  call.method = method;
  std::erase_if(call.headers, [](const auto& h) { return h.first == "content-type"; });
  call.body.clear();
  if (!body.is_null()) {
    call.body = json::serialize(body);
    call.headers.emplace_back("content-type", "application/json");
  }
  return call;
}

web::TemplateData template_data(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      mustache::data out{mustache::data::type::object};
      for (const auto& field : v.as_object()) {
        out.set(std::string(field.key()), template_data(field.value()));
      }
      return out;
    }
    case json::kind::array: {
      mustache::data out{mustache::data::type::list};
      for (const auto& item : v.as_array()) out.push_back(template_data(item));
      return out;
    }
    case json::kind::string:
      return mustache::data(std::string(v.as_string()));
    case json::kind::bool_:
      return mustache::data(v.as_bool());
    case json::kind::null:
      return mustache::data(false);
    default:
      return mustache::data(json::serialize(v));
  }
}

Result<http::FormFields> form_of(const http::Request& request) {
  if (!http::has_content_type(request, "application/x-www-form-urlencoded")) {
    return make_error(Errc::invalid_argument, "Send the form as a web browser does.");
  }
  return http::parse_form(request.body, 200);
}

Result<json::object> attribute_lines(std::string_view text) {
  json::object out;
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

std::string attribute_lines_of(const json::value& attributes) {
  std::string out;
  if (!attributes.is_object()) return out;
  for (const auto& field : attributes.as_object()) {
    if (!field.value().is_string()) continue;
    out += fmt::format("{}={}\n", std::string_view(field.key()),
                       std::string_view(field.value().as_string()));
  }
  return out;
}

bool may_change_readers(const http::Request& request) {
  auto role = user_role_from(request.caller.role);
  return role && admin::role_allows(*role, http::Access::audience);
}

http::Response see_other(std::string location) {
  http::Response r = http::Response::text(303, "");
  r.set_header("Location", std::move(location));
  return desk_headers(r);
}

}  // namespace broadsheet::desk
