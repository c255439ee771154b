#include "desk/api_bridge.hpp"

#include <fmt/format.h>

#include <cctype>

namespace broadsheet::desk {

namespace json = boost::json;
namespace mustache = kainjow::mustache;

ApiAnswer call_api(ApiHandler handler, admin::ApiContext& api, const http::Request& request,
                   ApiCall call) {
  http::Request inner;
  inner.method = call.method;
  inner.path = request.path;
  inner.target = request.path;
  inner.query = std::move(call.query);
  inner.params = std::move(call.params);
  inner.remote_address = request.remote_address;
  inner.secure = request.secure;
  inner.request_id = request.request_id;
  inner.principal = request.principal;
  inner.caller = request.caller;
  if (call.body) {
    inner.headers.emplace_back("content-type", "application/json");
    inner.body = json::serialize(*call.body);
  } else if (call.raw) {
    inner.headers.emplace_back("content-type", std::move(call.raw->content_type));
    inner.body = std::move(call.raw->bytes);
  }
  http::Response response = handler(api, inner);

  ApiAnswer answer;
  answer.status = response.status;
  for (const auto& [name, value] : response.headers) {
    if (name == "Content-Type" || name == "content-type") answer.content_type = value;
  }
  answer.raw = std::move(response.body);
  if (answer.content_type.starts_with("application/json")) {
    boost::system::error_code ec;
    answer.json = json::parse(answer.raw, ec);
    if (ec) answer.json = nullptr;
  }
  if (!answer.ok()) {
    answer.code = "unavailable";
    answer.message = "Please try again later.";
    if (const auto* o = answer.json.if_object()) {
      if (const auto* e = o->if_contains("error"); e && e->is_object()) {
        if (const auto* c = e->as_object().if_contains("code"); c && c->is_string()) {
          answer.code = c->as_string();
        }
        if (const auto* m = e->as_object().if_contains("message"); m && m->is_string()) {
          answer.message = m->as_string();
        }
      }
    }
    answer.field = quoted_field(answer.message);
  }
  return answer;
}

std::string quoted_field(std::string_view message) {
  const auto open = message.find('"');
  if (open == std::string_view::npos) return {};
  const auto close = message.find('"', open + 1);
  if (close == std::string_view::npos) return {};
  const auto name = message.substr(open + 1, close - open - 1);
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) || c == '_')) return {};
  }
  return std::string(name);
}

web::TemplateData template_data(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      mustache::data out;
      for (const auto& [key, value] : v.get_object()) {
        out.set(std::string(key), template_data(value));
      }
      return out;
    }
    case json::kind::array: {
      mustache::data out{mustache::data::type::list};
      for (const auto& item : v.get_array()) out.push_back(template_data(item));
      return out;
    }
    case json::kind::string:
      return std::string(v.get_string());
    case json::kind::int64:
      return std::to_string(v.get_int64());
    case json::kind::uint64:
      return std::to_string(v.get_uint64());
    case json::kind::double_:
      return fmt::format("{:.1f}", v.get_double());
    case json::kind::bool_:
      return mustache::data(v.get_bool());
    case json::kind::null:
      break;
  }
  return mustache::data(false);
}

}  // namespace broadsheet::desk
