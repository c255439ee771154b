#include "admin/api_imports.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <algorithm>
#include <charconv>

#include "admin/api_common.hpp"
#include "admin/import_jobs.hpp"
#include "core/text.hpp"

namespace broadsheet::admin {
namespace {

namespace json = boost::json;
using detail::error_answer;
using http::Request;
using http::Response;

Response imports_unavailable() {
  return Response::json_error(503, "unavailable", "Imports are not served here.");
}

std::optional<Id> import_path_id(const Request& req) {
  const std::string& text = req.params.at("id");
  Id id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

// true/false (or 1/0); absent: false.
Result<bool> import_flag(const Request& req, std::string_view name) {
  auto text = req.query_param(name);
  if (!text || *text == "false" || *text == "0") return false;
  if (*text == "true" || *text == "1" || text->empty()) return true;
  return make_error(Errc::invalid_argument, fmt::format("\"{}\" must be true or false.", name));
}

// Our columns a map.* parameter may name, and the header the importer knows them by.
constexpr std::pair<std::string_view, std::string_view> kMappable[] = {
    {"email", "email"},           {"name", "name"},         {"first_name", "first name"},
    {"last_name", "last name"},   {"timezone", "timezone"},
};

json::object report_json(const imports::ImportReport& r) {
  json::array columns;
  for (const auto& c : r.columns) {
    columns.push_back(json::object{{"header", c.header},
                                   {"use", c.use.empty() ? json::value(nullptr) : json::value(c.use)},
                                   {"ignored_because", c.ignored_because.empty()
                                                           ? json::value(nullptr)
                                                           : json::value(c.ignored_because)}});
  }
  const auto& n = r.counts;
  return json::object{{"rows", r.rows},
                      {"imported", r.rows - r.rejected - r.left_out},
                      {"rejected", r.rejected},
                      {"left_out", r.left_out},
                      {"new_readers", n.subscribers_created},
                      {"subscriptions_added", n.subscriptions_added},
                      {"duplicates_skipped", n.duplicates_skipped},
                      {"suppressed_skipped", n.suppressed_skipped},
                      {"unconfirmed", n.unconfirmed},
                      {"confirmations_queued", n.confirmations_queued},
                      {"columns", std::move(columns)}};
}

json::object job_json(const ImportJobView& j) {
  const double progress =
      j.bytes == 0 ? 1.0 : static_cast<double>(j.bytes_read) / static_cast<double>(j.bytes);
  return json::object{
      {"id", j.id},
      {"status", std::string(to_string(j.state))},
      {"newsletter", j.newsletter},
      {"bytes", j.bytes},
      {"bytes_read", j.bytes_read},
      {"progress", progress},
      {"rows_read", j.rows_read},
      {"rejected", j.rejected},
      {"created_at", format_iso8601(j.created_at)},
      {"finished_at", j.finished_at ? json::value(format_iso8601(*j.finished_at)) : nullptr},
      {"report", j.report ? json::value(report_json(*j.report)) : json::value(nullptr)},
      {"error", j.error.empty() ? json::value(nullptr) : json::value(j.error)},
      {"errors_url", fmt::format("/api/v1/imports/{}/errors.csv", j.id)}};
}

}  // namespace

Response api_start_import(ApiContext& ctx, const Request& req) {
  if (ctx.imports == nullptr) return imports_unavailable();
  if (!http::has_content_type(req, "text/csv")) {
    return Response::json_error(415, "unsupported_media_type",
                                "The body must be the CSV file, sent as text/csv.");
  }
  if (req.body.empty()) {
    return Response::json_error(400, "invalid_field",
                                "The body is empty: send the CSV file, with a header line.");
  }
  imports::ImportRequest request;
  auto slug = req.query_param("newsletter");
  if (!slug || slug->empty()) {
    return Response::json_error(400, "invalid_field", "\"newsletter\" is required.");
  }
  auto n = ctx.newsletters.newsletter_by_slug(std::string(*slug));
  if (!n) {
    if (n.error().code == Errc::not_found) {
      return Response::json_error(400, "invalid_field",
                                  fmt::format("\"newsletter\": no newsletter \"{}\".", excerpt(*slug)));
    }
    return error_answer(req, n.error());
  }
  request.newsletter_slug = n->slug;
  for (auto [name, field] : {std::pair{"confirmed", &request.confirmed},
                             std::pair{"send_confirmations", &request.send_confirmations},
                             std::pair{"strict", &request.strict}}) {
    auto value = import_flag(req, name);
    if (!value) return error_answer(req, value.error());
    *field = *value;
  }
  if (request.confirmed && request.send_confirmations) {
    return Response::json_error(400, "invalid_field",
                                "\"confirmed\" and \"send_confirmations\" exclude each other.");
  }
  for (const auto& [param, header] : req.query) {
    if (!param.starts_with("map.")) continue;
    const std::string_view ours = std::string_view(param).substr(4);
    const auto* known = std::find_if(std::begin(kMappable), std::end(kMappable),
                                     [&](const auto& m) { return m.first == ours; });
    if (known == std::end(kMappable)) {
      return Response::json_error(
          400, "invalid_field",
          fmt::format("\"{}\": map.email, map.name, map.first_name, map.last_name and "
                      "map.timezone name the file's columns.",
                      excerpt(param)));
    }
    if (header.empty() || header.size() > 200) {
      return Response::json_error(400, "invalid_field",
                                  fmt::format("\"{}\" must name a column of the header.", param));
    }
    request.column_map.emplace_back(header, std::string(known->second));
  }
  request.address_policy = ctx.address_policy;
  request.resend_after = ctx.clock.now() - ctx.resend_window + 1;
  auto id = ctx.imports->start(std::move(request), req.body,
                               req.principal.empty() ? "api" : req.principal);
  if (!id) {
    if (id.error().code == Errc::conflict) {
      return Response::json_error(409, "busy", id.error().message);
    }
    return error_answer(req, id.error());
  }
  const std::string url = fmt::format("/api/v1/imports/{}", *id);
  Response r = Response::json(202, json::object{{"id", *id}, {"status", "queued"}, {"url", url}});
  r.set_header("Location", url);
  return r;
}

Response api_get_import(ApiContext& ctx, const Request& req) {
  if (ctx.imports == nullptr) return imports_unavailable();
  auto id = import_path_id(req);
  auto job = id ? ctx.imports->job(*id) : std::nullopt;
  if (!job) return Response::json_error(404, "not_found", "No such import (or the server restarted since).");
  return Response::json(200, job_json(*job));
}

Response api_import_errors(ApiContext& ctx, const Request& req) {
  if (ctx.imports == nullptr) return imports_unavailable();
  auto id = import_path_id(req);
  auto errors = id ? ctx.imports->errors(*id) : std::nullopt;
  if (!errors) return Response::json_error(404, "not_found", "No such import (or the server restarted since).");
  std::string out = "line,reason\n";
  for (const auto& e : *errors) {
    out += std::to_string(e.line);
    out += ',';
    csv_append_field(out, e.reason);
    out += '\n';
  }
  Response r = Response::text(200, std::move(out), "text/csv; charset=utf-8");
  r.set_header("Content-Disposition",
               fmt::format("attachment; filename=\"import-{}-errors.csv\"", *id));
  return r;
}

}  // namespace broadsheet::admin
