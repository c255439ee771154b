#include "desk/issue_pages.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "admin/api_issue_views.hpp"
#include "admin/api_issues.hpp"
#include "admin/api_newsletters.hpp"
#include "core/text.hpp"
#include "desk/form_pages.hpp"
#include "desk/layout.hpp"
#include "schedule/schedule.hpp"

namespace broadsheet::desk {
namespace {

namespace json = boost::json;
namespace mustache = kainjow::mustache;
using detail::posted_form;

constexpr std::size_t kFailuresPerPage = 50;

std::string field_text(const json::value& v, std::string_view key) {
  const auto* o = v.if_object();
  const auto* f = o ? o->if_contains(key) : nullptr;
  if (f == nullptr) return {};
  if (f->is_string()) return std::string(f->as_string());
  if (f->is_int64()) return std::to_string(f->as_int64());
  return {};
}

// An issue's fields as the compose form holds them. `segment` is the "Send to" choice:
// a segment's name, "" for every confirmed reader of the newsletter; `chooses_segment`
// says whether the form offered the choice (only while the issue is a draft or
// scheduled: the store refuses a change of audience after that).
struct Compose {
  std::string newsletter, subject, preheader, body, sponsor, segment;
  bool chooses_segment = false;

  static Compose from(const http::FormFields& form) {
    const bool chooses = std::any_of(form.begin(), form.end(),
                                     [](const auto& field) { return field.first == "segment"; });
    return {http::form_value(form, "newsletter"),
            http::form_value(form, "subject"),
            http::form_value(form, "preheader"),
            detail::unix_lines(http::form_value(form, "body_markdown")),
            detail::unix_lines(http::form_value(form, "sponsor")),
            http::form_value(form, "segment"),
            chooses};
  }
  static Compose from(const json::value& issue) {
    return {field_text(issue, "newsletter"), field_text(issue, "subject"),
            field_text(issue, "preheader"),  field_text(issue, "body_markdown"),
            field_text(issue, "sponsor"),    field_text(issue, "segment")};
  }
  web::TemplateData data() const {
    web::TemplateData v;
    v.set("newsletter", newsletter);
    v.set("subject", subject);
    v.set("preheader", preheader);
    v.set("body_markdown", body);
    v.set("sponsor", sponsor);
    v.set("segment", segment);
    return v;
  }
  // The JSON the API takes; the sponsor block removed when the field is empty; the
  // segment when the form chose one (null: the whole newsletter).
  json::object json_body(bool with_newsletter) const {
    json::object o{{"subject", subject}, {"preheader", preheader}, {"body_markdown", body}};
    if (with_newsletter) o["newsletter"] = newsletter;
    o["sponsor"] = sponsor.empty() ? json::value(nullptr) : json::value(sponsor);
    if (chooses_segment)
      o["segment"] = segment.empty() ? json::value(nullptr) : json::value(segment);
    return o;
  }
};

// The "Send to" choices: every segment of `newsletter` or of none ("" on the new issue
// page: every segment, each labelled with its newsletter), `chosen` selected and always
// listed. Read from the store role rather than GET /api/v1/segments, which counts each
// segment's readers: a compose page needs names, not a count over a million readers.
// Empty when segments are not served here.
mustache::data segment_choices(DeskContext& ctx, const http::Request& request,
                               std::string_view newsletter, std::string_view chosen) {
  mustache::data list{mustache::data::type::list};
  if (ctx.api.segments == nullptr) return list;
  auto segments = ctx.api.segments->list_segments();
  if (!segments) {
    spdlog::error("request {}: desk compose: {}", request.request_id, segments.error().message);
    return list;
  }
  for (const auto& g : *segments) {
    const bool fits =
        newsletter.empty() || g.newsletter_slug.empty() || g.newsletter_slug == newsletter;
    if (!fits && g.name != chosen) continue;
    mustache::data item;
    item.set("value", g.name);
    item.set("label", newsletter.empty() && !g.newsletter_slug.empty()
                          ? fmt::format("{} ({})", g.name, g.newsletter_slug)
                          : g.name);
    item.set("selected", g.name == chosen);
    list.push_back(item);
  }
  return list;
}

// The segment `name` as the issue's page names it: its name and the link to its page.
void add_audience(DeskContext& ctx, web::TemplateData& data, const std::string& name) {
  if (name.empty()) return;
  web::TemplateData segment;
  segment.set("name", name);
  if (ctx.api.segments != nullptr) {
    if (auto g = ctx.api.segments->segment_by_name(name)) {
      segment.set("href", fmt::format("/admin/segments/{}", g->id));
    }
  }
  data.set("audience", segment);
}

// The schedule form of a manual newsletter as posted: `at` as typed (a wall-clock time
// of `zone`, or an instant with its own offset) and the zone it is read in.
struct ScheduleForm {
  std::string at, zone;
};

// The zones for the schedule form's <select>, `chosen` selected.
mustache::data zone_choices(std::string_view chosen) {
  mustache::data list{mustache::data::type::list};
  for (const auto& zone : schedule::selectable_timezones()) {
    mustache::data item;
    item.set("value", zone);
    item.set("selected", zone == chosen);
    list.push_back(item);
  }
  return list;
}

// Where a refusal goes: the message beside the field it names, and above the form.
void show_refusal(web::TemplateData& data, const ApiAnswer& refusal) {
  data.set("message", refusal.message);
  std::string field = refusal.code == "invalid_merge_field" ? "body_markdown" : refusal.field;
  if (!field.empty()) data.set("error_" + field, refusal.message);
}

// The newsletters for a <select>, `chosen` selected.
Result<mustache::data> newsletter_choices(DeskContext& ctx, const http::Request& request,
                                          std::string_view chosen) {
  auto answer = call_api(admin::api_list_newsletters, ctx.api, request, {});
  if (!answer.ok()) return Error{Errc::io, answer.message};
  mustache::data list{mustache::data::type::list};
  for (const auto& n : answer.json.at("newsletters").as_array()) {
    mustache::data item;
    item.set("value", field_text(n, "slug"));
    item.set("label", field_text(n, "name"));
    item.set("selected", field_text(n, "slug") == chosen);
    list.push_back(item);
  }
  return list;
}

// The preview's part of a page: "frame" (the HTML's URL), "text", "from", "to",
// "merge_fields", "sections"; or "preview_error".
void add_preview(DeskContext& ctx, const http::Request& request, web::TemplateData& data,
                 ApiAnswer preview) {
  if (!preview.ok()) {
    data.set("preview_error", preview.message);
    return;
  }
  auto& o = preview.json.as_object();
  const std::string key =
      ctx.frames.put(request.caller.username, std::string(o.at("html").as_string()));
  o.erase("html");
  data.set("preview", template_data(o));
  mustache::data fields{mustache::data::type::list};
  for (const auto& f : o.at("merge_fields").as_array()) {
    if (f.is_string()) fields.push_back("{{" + std::string(f.as_string()) + "}}");
  }
  data.set("merge_fields", fields);
  data.set("frame", "/admin/previews/" + key);
}

bool editable_status(std::string_view status) {
  return status == "draft" || status == "scheduled" || status == "sent";
}

// The compose page of issue `id`: the stored fields, or `unsaved` ones previewed as
// they are; `refusal` shown beside its field, `notice` above.
http::Response show_issue(DeskContext& ctx, const http::Request& request, const std::string& id,
                          const std::optional<Compose>& unsaved, const ApiAnswer* refusal,
                          std::string notice, const json::value* test_results,
                          const ScheduleForm* schedule_form = nullptr) {
  auto stored =
      call_api(admin::api_get_issue, ctx.api, request, {http::Method::get, {{"id", id}}, {}, {}});
  if (!stored.ok()) return detail::refusal_page(ctx, request, stored);
  const std::string status = field_text(stored.json, "status");
  const std::string saved_segment = field_text(stored.json, "segment");
  Compose fields = unsaved.value_or(Compose::from(stored.json));
  if (!fields.chooses_segment) fields.segment = saved_segment;

  web::TemplateData data;
  data.set("issue", template_data(stored.json));
  data.set("id", id);
  data.set("v", fields.data());
  data.set("editable", detail::may_edit(request) && editable_status(status));
  data.set("may_act", detail::may_edit(request));
  data.set("is_" + status, true);
  data.set("can_send", status == "draft" || status == "scheduled");
  // The audience changes until sending begins (store::Segments::set_issue_segment).
  data.set("can_target", detail::may_edit(request) && (status == "draft" || status == "scheduled"));
  data.set("segments", segment_choices(ctx, request, fields.newsletter, fields.segment));
  add_audience(ctx, data, saved_segment);
  data.set("can_schedule", status == "draft");
  data.set("can_unschedule", status == "scheduled");
  data.set("can_pause", status == "sending");
  data.set("can_resume", status == "paused");
  data.set("can_cancel", status == "scheduled" || status == "sending" || status == "paused");
  data.set("can_test", status != "cancelled");
  // Sending or paused: a progress bar that the desk's script moves (as the dashboard's).
  if (status == "sending" || status == "paused") {
    const auto* deliveries = stored.json.as_object().if_contains("deliveries");
    auto count = [&](std::string_view key) -> std::int64_t {
      const auto* o = deliveries ? deliveries->if_object() : nullptr;
      const auto* v = o ? o->if_contains(key) : nullptr;
      return v && v->is_int64() ? v->as_int64() : 0;
    };
    web::TemplateData live;
    live.set("max", std::to_string(std::max<std::int64_t>(count("total"), 1)));
    live.set("done", std::to_string(count("sent") + count("failed")));
    data.set("live", live);
  }
  if (!notice.empty()) data.set("notice", notice);
  if (unsaved) data.set("unsaved", true);
  if (test_results) {
    data.set("test_results", template_data(*test_results));
    data.set("has_test_results", true);
  }

  auto newsletter = call_api(admin::api_get_newsletter, ctx.api, request,
                             {http::Method::get, {{"slug", fields.newsletter}}, {}, {}});
  if (newsletter.ok()) {
    data.set("newsletter", template_data(newsletter.json));
    const auto& next = newsletter.json.at("next_editions");
    data.set("editions", template_data(next));
    data.set("manual", !next.is_array() || next.as_array().empty());
  }
  // The zone an instant is typed in, always shown beside it: as posted, else the
  // newsletter's default zone, else UTC.
  std::string zone = schedule_form ? schedule_form->zone : "";
  if (zone.empty()) zone = newsletter.ok() ? field_text(newsletter.json, "default_timezone") : "";
  if (zone.empty()) zone = "UTC";
  data.set("zones", zone_choices(zone));
  if (schedule_form) data.set("schedule_at", schedule_form->at);

  ApiAnswer preview = unsaved ? call_api(admin::api_preview_markdown, ctx.api, request,
                                         {http::Method::post, {}, {}, fields.json_body(true)})
                              : call_api(admin::api_preview_issue, ctx.api, request,
                                         {http::Method::get, {{"id", id}}, {}, {}});
  add_preview(ctx, request, data, std::move(preview));

  int code = 200;
  if (refusal) {
    show_refusal(data, *refusal);
    code = refusal->status;
  }
  std::string title = fields.subject.empty() ? "Issue " + id : fields.subject;
  return render_page(ctx.templates, ctx.config, request,
                     {"desk/issue", title, data, "issues", code});
}

http::Response new_issue_form(DeskContext& ctx, const http::Request& request, const Compose& fields,
                              const ApiAnswer* refusal) {
  auto choices = newsletter_choices(ctx, request, fields.newsletter);
  if (!choices) {
    return error_page(ctx.templates, ctx.config, request, 503, "Please try again later.");
  }
  web::TemplateData data;
  data.set("creating", true);
  data.set("editable", true);
  data.set("v", fields.data());
  data.set("newsletters", *choices);
  data.set("can_target", true);
  data.set("segments", segment_choices(ctx, request, "", fields.segment));
  int code = 200;
  if (refusal) {
    show_refusal(data, *refusal);
    code = refusal->status;
  }
  return render_page(ctx.templates, ctx.config, request,
                     {"desk/issue", "New issue", data, "issues", code});
}

// "a@x, b@y" or one address a line, as the API's "to".
json::array addresses(std::string_view text) {
  json::array out;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) out.emplace_back(current);
    current.clear();
  };
  for (char c : text) {
    if (c == ',' || c == ';' || c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      flush();
    } else {
      current += c;
    }
  }
  flush();
  return out;
}

struct Action {
  std::string_view name;
  ApiHandler handler;
  std::string_view done;  // the notice after it
};
constexpr Action kActions[] = {
    {"send", admin::api_send_issue, "Sending has begun."},
    {"pause", admin::api_pause_issue, "Paused."},
    {"resume", admin::api_resume_issue, "Sending again."},
    {"cancel", admin::api_cancel_issue, "Cancelled."},
    {"schedule", admin::api_schedule_issue, "Scheduled."},
    {"unschedule", admin::api_unschedule_issue, "Back to draft."},
    {"test", admin::api_test_issue, "Test sent."},
};

const Action* action_named(std::string_view name) {
  for (const auto& a : kActions) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

}  // namespace

http::Response issues_page(DeskContext& ctx, const http::Request& request) {
  ApiCall call;
  const std::string newsletter(request.query_param("newsletter").value_or(""));
  const std::string status(request.query_param("status").value_or(""));
  if (!newsletter.empty()) call.query.emplace("newsletter", newsletter);
  if (!status.empty()) call.query.emplace("status", status);
  call.query.emplace("limit", "100");
  auto answer = call_api(admin::api_list_issues, ctx.api, request, call);
  web::TemplateData data;
  if (answer.ok()) {
    data.set("issues", template_data(answer.json.at("issues")));
  } else if (answer.status >= 500) {
    return detail::refusal_page(ctx, request, answer);
  } else {
    data.set("message", answer.message);
    data.set("issues", mustache::data{mustache::data::type::list});
  }
  auto choices = newsletter_choices(ctx, request, newsletter);
  if (!choices)
    return error_page(ctx.templates, ctx.config, request, 503, "Please try again later.");
  data.set("newsletters", *choices);
  mustache::data statuses{mustache::data::type::list};
  for (std::string_view s : {"draft", "scheduled", "sending", "paused", "sent", "cancelled"}) {
    mustache::data item;
    item.set("value", std::string(s));
    item.set("selected", s == status);
    statuses.push_back(item);
  }
  data.set("statuses", statuses);
  data.set("editable", detail::may_edit(request));
  return render_page(ctx.templates, ctx.config, request,
                     {"desk/issues", "Issues", data, "issues", answer.ok() ? 200 : answer.status});
}

http::Response new_issue_page(DeskContext& ctx, const http::Request& request) {
  Compose fields;
  fields.newsletter = request.query_param("newsletter").value_or("");
  return new_issue_form(ctx, request, fields, nullptr);
}

http::Response create_issue_post(DeskContext& ctx, const http::Request& request) {
  auto form = posted_form(request);
  if (!form)
    return error_page(ctx.templates, ctx.config, request, 400, "The form could not be read.");
  const Compose fields = Compose::from(*form);
  auto body = fields.json_body(true);
  if (fields.sponsor.empty()) body.erase("sponsor");
  auto answer = call_api(admin::api_create_issue, ctx.api, request,
                         {http::Method::post, {}, {}, std::move(body)});
  if (answer.ok()) return detail::see_other("/admin/issues/" + field_text(answer.json, "id"));
  if (answer.status >= 500) return detail::refusal_page(ctx, request, answer);
  return new_issue_form(ctx, request, fields, &answer);
}

http::Response issue_page(DeskContext& ctx, const http::Request& request) {
  std::string notice;
  if (auto done = request.query_param("done")) {
    if (*done == "saved") notice = "Saved.";
    if (const Action* a = action_named(*done)) notice = a->done;
  }
  return show_issue(ctx, request, request.params.at("id"), std::nullopt, nullptr, notice, nullptr);
}

http::Response update_issue_post(DeskContext& ctx, const http::Request& request) {
  auto form = posted_form(request);
  if (!form)
    return error_page(ctx.templates, ctx.config, request, 400, "The form could not be read.");
  const std::string id = request.params.at("id");
  Compose fields = Compose::from(*form);
  auto answer = call_api(admin::api_update_issue, ctx.api, request,
                         {http::Method::patch, {{"id", id}}, {}, fields.json_body(false)});
  if (answer.ok()) return detail::see_other("/admin/issues/" + id + "?done=saved");
  if (answer.status >= 500) return detail::refusal_page(ctx, request, answer);
  auto stored =
      call_api(admin::api_get_issue, ctx.api, request, {http::Method::get, {{"id", id}}, {}, {}});
  if (!stored.ok()) return detail::refusal_page(ctx, request, stored);
  // The issue is there, so a 404 was the segment (removed since the page was shown), and
  // a 409 its audience (another newsletter's segment, or sending has begun).
  if (fields.chooses_segment && (answer.status == 404 || answer.status == 409)) {
    answer.field = "segment";
  } else if (answer.status == 404) {
    return detail::refusal_page(ctx, request, answer);
  }
  fields.newsletter = field_text(stored.json, "newsletter");
  return show_issue(ctx, request, id, fields, &answer, "", nullptr);
}

http::Response preview_issue_post(DeskContext& ctx, const http::Request& request) {
  auto form = posted_form(request);
  if (!form)
    return error_page(ctx.templates, ctx.config, request, 400, "The form could not be read.");
  const std::string id = request.params.at("id");
  auto stored =
      call_api(admin::api_get_issue, ctx.api, request, {http::Method::get, {{"id", id}}, {}, {}});
  if (!stored.ok()) return detail::refusal_page(ctx, request, stored);
  Compose fields = Compose::from(*form);
  fields.newsletter = field_text(stored.json, "newsletter");
  return show_issue(ctx, request, id, fields, nullptr, "Preview of your changes: not saved yet.",
                    nullptr);
}

http::Response issue_action_post(DeskContext& ctx, const http::Request& request) {
  const std::string id = request.params.at("id");
  const std::string_view path = request.path;
  const Action* action = action_named(path.substr(path.rfind('/') + 1));
  if (action == nullptr)
    return error_page(ctx.templates, ctx.config, request, 404, "There is no such action.");
  auto form = posted_form(request);
  if (!form)
    return error_page(ctx.templates, ctx.config, request, 400, "The form could not be read.");
  ApiCall call{http::Method::post, {{"id", id}}, {}, std::nullopt};
  ScheduleForm schedule_form{http::form_value(*form, "at"), http::form_value(*form, "zone")};
  if (action->name == "schedule") {
    json::object body;
    if (auto edition = http::form_value(*form, "edition"); !edition.empty())
      body["edition"] = edition;
    if (!schedule_form.at.empty()) {
      // The API takes an instant; the form's wall-clock time is read in its zone here.
      auto zone = schedule_form.zone.empty() ? std::optional<std::string>("UTC")
                                             : schedule::canonical_timezone(schedule_form.zone);
      auto instant = zone ? schedule::instant_in_zone(schedule_form.at, *zone)
                          : Result<UnixSeconds>(Error{
                                Errc::invalid_argument,
                                fmt::format("\"zone\": {} is not a time zone this server knows",
                                            excerpt(schedule_form.zone, 64))});
      if (!instant) {
        ApiAnswer refusal;
        refusal.status = 400;
        refusal.code = "invalid_at";
        refusal.message = zone ? "\"at\": " + instant.error().message : instant.error().message;
        refusal.field = "schedule_at";
        return show_issue(ctx, request, id, std::nullopt, &refusal, "", nullptr, &schedule_form);
      }
      body["at"] = format_iso8601(*instant);
    }
    call.body = std::move(body);
  } else if (action->name == "test") {
    call.body = json::object{{"to", addresses(http::form_value(*form, "to"))}};
  }
  auto answer = call_api(action->handler, ctx.api, request, std::move(call));
  if (answer.status == 404 || answer.status >= 500)
    return detail::refusal_page(ctx, request, answer);
  if (!answer.ok()) {
    // Beside the form's field: the addresses of a test, the edition or instant of a schedule.
    if (action->name == "test") answer.field = "test_to";
    if (action->name == "schedule") {
      const bool instant = answer.code == "invalid_at" || answer.code == "at_in_past";
      answer.field = instant ? "schedule_at" : "schedule_edition";
    }
    return show_issue(ctx, request, id, std::nullopt, &answer, "", nullptr, &schedule_form);
  }
  if (action->name == "test") {
    return show_issue(ctx, request, id, std::nullopt, nullptr, std::string(action->done),
                      answer.json.as_object().if_contains("results"));
  }
  return detail::see_other(fmt::format("/admin/issues/{}?done={}", id, action->name));
}

http::Response issue_report_page(DeskContext& ctx, const http::Request& request) {
  const std::string id = request.params.at("id");
  auto issue =
      call_api(admin::api_get_issue, ctx.api, request, {http::Method::get, {{"id", id}}, {}, {}});
  if (!issue.ok()) return detail::refusal_page(ctx, request, issue);
  ApiCall report_call{http::Method::get, {{"id", id}}, {}, std::nullopt};
  if (auto bucket = request.query_param("bucket"))
    report_call.query.emplace("bucket", std::string(*bucket));
  auto report = call_api(admin::api_issue_report, ctx.api, request, std::move(report_call));
  if (!report.ok()) return detail::refusal_page(ctx, request, report);
  ApiCall failures_call{
      http::Method::get, {{"id", id}}, {{"limit", std::to_string(kFailuresPerPage)}}, std::nullopt};
  if (auto after = request.query_param("after"))
    failures_call.query.emplace("after", std::string(*after));
  auto failures = call_api(admin::api_issue_failures, ctx.api, request, std::move(failures_call));
  if (!failures.ok()) return detail::refusal_page(ctx, request, failures);

  web::TemplateData data;
  data.set("id", id);
  data.set("issue", template_data(issue.json));
  data.set("report", template_data(report.json));
  // Each bucket's bar is measured against the busiest bucket.
  std::int64_t busiest = 1;
  for (const auto& b : report.json.at("timeline").as_array()) {
    busiest = std::max(busiest, b.at("sent").as_int64() + b.at("failed").as_int64());
  }
  data.set("busiest", std::to_string(busiest));
  data.set("has_timeline", !report.json.at("timeline").as_array().empty());
  data.set("failures", template_data(failures.json.at("failures")));
  data.set("has_failures", !failures.json.at("failures").as_array().empty());
  if (const auto& next = failures.json.at("next_after"); !next.is_null()) {
    data.set("next_after", field_text(failures.json, "next_after"));
  }
  return render_page(ctx.templates, ctx.config, request,
                     {"desk/issue_report", "Delivery report: " + field_text(issue.json, "subject"),
                      data, "issues"});
}

http::Response issue_failures_csv(DeskContext& ctx, const http::Request& request) {
  auto answer = call_api(admin::api_issue_failures_csv, ctx.api, request,
                         {http::Method::get, {{"id", request.params.at("id")}}, {}, std::nullopt});
  if (!answer.ok()) return detail::refusal_page(ctx, request, answer);
  auto r = detail::passthrough(answer);
  r.set_header("Content-Disposition", fmt::format("attachment; filename=\"issue-{}-failures.csv\"",
                                                  request.params.at("id")));
  return r;
}

http::Response live_preview_api(DeskContext& ctx, const http::Request& request) {
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  if (ec || !body.is_object()) {
    auto r = http::Response::json_error(400, "invalid_json", "The body must be a JSON object.");
    return desk_headers(r);
  }
  auto answer = call_api(admin::api_preview_markdown, ctx.api, request,
                         {http::Method::post, {}, {}, std::move(body.as_object())});
  if (!answer.ok()) return detail::passthrough(answer);
  auto& o = answer.json.as_object();
  o["frame"] = "/admin/previews/" +
               ctx.frames.put(request.caller.username, std::string(o.at("html").as_string()));
  o.erase("html");
  auto r = http::Response::json(200, o);
  return desk_headers(r);
}

http::Response preview_frame(DeskContext& ctx, const http::Request& request) {
  auto html = ctx.frames.get(request.caller.username, request.params.at("key"));
  http::Response r =
      html ? http::Response::html(200, std::move(*html))
           : http::Response::html(404,
                                  "<!doctype html><p>This preview has expired; preview again.</p>");
  r.set_header("Content-Security-Policy", std::string(kPreviewPolicy));
  r.set_header("Cache-Control", "no-store");
  r.set_header("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace broadsheet::desk
