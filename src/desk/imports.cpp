#include "desk/imports.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "admin/import_jobs.hpp"
#include "core/text.hpp"
#include "core/types.hpp"
#include "desk/api_bridge.hpp"
#include "desk/form_pages.hpp"
#include "desk/layout.hpp"
#include "http/multipart.hpp"

namespace broadsheet::desk {
namespace {

namespace json = boost::json;
namespace mustache = kainjow::mustache;
using http::Request;
using http::Response;

// Our columns the form's mapping fields name (the API's map.* parameters).
constexpr std::string_view kMapFields[] = {"map.email", "map.name", "map.first_name",
                                           "map.last_name", "map.timezone"};

// What the form showed, to show it again with a refusal.
struct ImportForm {
  std::string newsletter;
  bool confirmed = false;
  std::vector<std::pair<std::string, std::string>> map;  // field, value
  int status = 200;
  std::string error;
  std::string error_field;  // "file", "newsletter", "map": where the error points
};

Response import_form(DeskContext& ctx, const Request& request, const ImportForm& form) {
  auto list = ctx.newsletters.list_newsletters(false);
  if (!list) {
    spdlog::error("request {}: desk imports: {}", request.request_id, list.error().message);
    return error_page(ctx.templates, ctx.config, request, 503,
                      "The newsletters cannot be read now. Please try again later.");
  }
  mustache::data newsletters{mustache::data::type::list};
  for (const auto& n : *list) {
    mustache::data row;
    row.set("slug", n.slug);
    row.set("name", n.name);
    row.set("selected", n.slug == form.newsletter);
    newsletters.push_back(row);
  }
  web::TemplateData data;
  data.set("newsletters", newsletters);
  data.set("confirmed", form.confirmed);
  for (const auto& [field, value] : form.map) {
    std::string key = "value_" + field.substr(4);  // value_email, value_first_name, ...
    data.set(key, value);
  }
  if (!form.error.empty()) {
    data.set("error", form.error);
    data.set("error_" + (form.error_field.empty() ? std::string("form") : form.error_field), true);
  }
  return render_page(ctx.templates, ctx.config, request,
                     {"desk/imports", "Import readers", data, "readers", form.status});
}

Response refused(DeskContext& ctx, const Request& request, ImportForm form, int status,
                 std::string message, std::string field) {
  form.status = status;
  form.error = std::move(message);
  form.error_field = std::move(field);
  return import_form(ctx, request, form);
}

std::string field_text(const http::MultipartPart* part) {
  return part == nullptr ? std::string() : std::string(trim_whitespace(part->body));
}

bool ends_with_ignoring_case(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && ascii_iequals(s.substr(s.size() - suffix.size()), suffix);
}

// Why the uploaded file is not CSV text, or nullopt when it may be. Browsers name a
// .csv file's type from the system's tables (text/csv, application/vnd.ms-excel,
// application/octet-stream...), so its name is enough; a type that says otherwise
// (image/png, application/pdf) or bytes that are binary are not.
std::optional<std::string> not_csv(const http::MultipartPart& file) {
  const std::string shown = excerpt(file.filename.value_or(""));
  static constexpr std::string_view kCsvTypes[] = {"",
                                                   "text/csv",
                                                   "text/plain",
                                                   "text/comma-separated-values",
                                                   "text/x-csv",
                                                   "application/csv",
                                                   "application/x-csv",
                                                   "application/vnd.ms-excel",
                                                   "application/octet-stream"};
  const std::string_view type =
      trim_whitespace(std::string_view(file.content_type).substr(0, file.content_type.find(';')));
  const bool csv_name = ends_with_ignoring_case(file.filename.value_or(""), ".csv") ||
                        ends_with_ignoring_case(file.filename.value_or(""), ".txt");
  const bool csv_type =
      std::find(std::begin(kCsvTypes), std::end(kCsvTypes), type) != std::end(kCsvTypes);
  if (!csv_name && !csv_type) {
    return fmt::format(
        "\"{}\" is not a CSV file (the browser says {}): export the readers as "
        "CSV (comma-separated values) and choose that file.",
        shown, excerpt(type));
  }
  const std::string_view head = file.body.substr(0, 64 * 1024);
  if (head.find('\0') != std::string_view::npos) {
    return fmt::format(
        "\"{}\" holds binary data, not CSV text (a spreadsheet or UTF-16 file?): "
        "save it as \"CSV UTF-8\" and choose that file.",
        shown);
  }
  return std::nullopt;
}

std::string number_text(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  return "0";
}

}  // namespace

Response imports_page(DeskContext& ctx, const Request& request) {
  return import_form(ctx, request, {});
}

Response import_post(DeskContext& ctx, const Request& request) {
  ImportForm form;
  auto parts = http::parse_multipart(request, {.max_parts = 20});
  if (!parts) {
    return refused(ctx, request, form, 400,
                   fmt::format("The form could not be read ({}); please choose the file and "
                               "send the form again.",
                               parts.error().message),
                   "form");
  }
  for (const auto& part : *parts) {
    if (part.name == "file" || part.name == "csrf_token") continue;
    if (part.body.size() > 1000 || !is_valid_utf8(part.body)) {
      return refused(
          ctx, request, form, 400,
          fmt::format("The field \"{}\" must be text of at most 1000 bytes.", excerpt(part.name)),
          "form");
    }
  }
  form.newsletter = field_text(find_part(*parts, "newsletter"));
  form.confirmed = find_part(*parts, "confirmed") != nullptr;
  for (std::string_view field : kMapFields) {
    form.map.emplace_back(std::string(field), field_text(find_part(*parts, field)));
  }

  const http::MultipartPart* file = find_part(*parts, "file");
  if (file == nullptr || !file->filename || (file->filename->empty() && file->body.empty())) {
    return refused(ctx, request, form, 400, "Choose the CSV file to import.", "file");
  }
  if (file->body.size() > admin::kImportBodyLimit) {
    return refused(ctx, request, form, 413,
                   fmt::format("\"{}\" is {:.1f} MiB; at most {} MiB can be imported at once: "
                               "split the file, or use `broadsheet import` on the server.",
                               excerpt(*file->filename),
                               static_cast<double>(file->body.size()) / (1024 * 1024),
                               admin::kImportBodyLimit / (1024 * 1024)),
                   "file");
  }
  if (auto why = not_csv(*file)) return refused(ctx, request, form, 400, *why, "file");

  // The API's query: the same fields the page's script sends, empty ones left out, for
  // the API to check (a ticked box sends its value, "true").
  ApiCall call{http::Method::post, {}, {}, std::nullopt};
  for (const auto& part : *parts) {
    if (part.name == "file" || part.name == "csrf_token") continue;
    const std::string value(trim_whitespace(part.body));
    if (value.empty()) continue;
    call.query.emplace(part.name, value);
  }
  call.raw = ApiCall::Raw{"text/csv", std::string(file->body)};
  ApiAnswer answer = call_api(admin::api_start_import, ctx.api, request, std::move(call));
  if (!answer.ok()) {
    std::string field = answer.field.starts_with("map") ? "map" : answer.field;
    if (answer.field.empty() && answer.message.find("\"map.") != std::string::npos) field = "map";
    return refused(ctx, request, form, answer.status, answer.message,
                   field == "newsletter" || field == "map" ? field : "form");
  }
  const auto* id = answer.json.is_object() ? answer.json.as_object().if_contains("id") : nullptr;
  if (id == nullptr) {
    return refused(ctx, request, form, 503, "The import could not be started. Please try again.",
                   "form");
  }
  return detail::see_other(fmt::format("/admin/imports/{}", number_text(*id)));
}

Response import_job_page(DeskContext& ctx, const Request& request) {
  auto answer = call_api(admin::api_get_import, ctx.api, request,
                         {http::Method::get, request.params, {}, std::nullopt});
  if (!answer.ok() || !answer.json.is_object()) return detail::refusal_page(ctx, request, answer);
  const json::object& job = answer.json.as_object();
  const std::string status(job.at("status").as_string());
  const std::string newsletter(job.at("newsletter").as_string());

  if (status == "failed") {
    ImportForm form;
    form.newsletter = newsletter;
    const auto& error = job.at("error");
    form.error = fmt::format(
        "Import {} failed: {}. Nothing was imported; correct the file or "
        "the column mapping and send it again.",
        request.params.at("id"), error.is_string() ? std::string(error.as_string()) : "unknown");
    form.error_field = "file";
    return import_form(ctx, request, form);
  }

  web::TemplateData data = template_data(answer.json);
  const bool done = status == "done";
  data.set("done", done);
  data.set("running", !done);
  data.set("status_label", status == "queued" ? "Waiting for the imports before it" : "Importing");
  const double bytes = job.at("bytes").to_number<double>();
  const double read = job.at("bytes_read").to_number<double>();
  data.set("percent", std::to_string(bytes <= 0 ? 100 : static_cast<int>(100 * read / bytes)));
  if (done && job.at("report").is_object()) {
    const json::object& report = job.at("report").as_object();
    static constexpr std::pair<std::string_view, std::string_view> kFigures[] = {
        {"rows", "Rows read"},
        {"imported", "Rows imported"},
        {"new_readers", "New readers"},
        {"subscriptions_added", "Subscriptions added"},
        {"duplicates_skipped", "Duplicates skipped"},
        {"suppressed_skipped", "Suppressed, skipped"},
        {"left_out", "Left out (the file says they left)"},
        {"rejected", "Rows rejected"},
        {"confirmations_queued", "Confirmation emails queued"}};
    mustache::data figures{mustache::data::type::list};
    for (const auto& [key, label] : kFigures) {
      if (const auto* v = report.if_contains(key)) {
        mustache::data row;
        row.set("label", std::string(label));
        row.set("value", number_text(*v));
        figures.push_back(row);
      }
    }
    data.set("figures", figures);
  }
  // The rejected rows as they come in, the first of them on the page.
  const Id id = job.at("id").to_number<Id>();  // the API's, checked
  auto errors = ctx.api.imports ? ctx.api.imports->errors(id) : std::nullopt;
  const std::size_t rejected = static_cast<std::size_t>(job.at("rejected").to_number<double>());
  if (errors && !errors->empty()) {
    mustache::data rows{mustache::data::type::list};
    for (std::size_t i = 0; i < errors->size() && i < kShownBadRows; ++i) {
      mustache::data row;
      row.set("line", std::to_string((*errors)[i].line));
      row.set("reason", (*errors)[i].reason);
      rows.push_back(row);
    }
    data.set("bad_rows", rows);
    data.set("has_bad_rows", true);
    if (rejected > kShownBadRows)
      data.set("more_bad_rows", std::to_string(rejected - kShownBadRows));
  }
  DeskPage page{"desk/import_job", fmt::format("Import {}", request.params.at("id")), data,
                "readers"};
  if (!done) page.refresh_seconds = 2;
  return render_page(ctx.templates, ctx.config, request, std::move(page));
}

}  // namespace broadsheet::desk
