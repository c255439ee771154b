#include "admin/api_issues.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <algorithm>
#include <charconv>
#include <chrono>
#include <initializer_list>
#include <semaphore>
#include <string_view>

#include "admin/api_common.hpp"
#include "admin/issue_details.hpp"
#include "admin/reader_fields.hpp"
#include "admin/json_shapes.hpp"
#include "core/resources.hpp"
#include "core/text.hpp"
#include "http/json_body.hpp"
#include "render/body_fields.hpp"
#include "send/issue_control.hpp"
#include "send/issue_edit.hpp"
#include "send/issue_schedule.hpp"

namespace broadsheet::admin {
namespace {

namespace json = boost::json;
using detail::error_answer;
using detail::issue_id;
using detail::merge_field_refusal;
using detail::no_issue;
using detail::sponsor_field;
using detail::json_body;
using detail::string_field;
using detail::unknown_field;
using http::Request;
using http::Response;

constexpr std::size_t kDefaultLimit = 50;
constexpr std::size_t kMaxLimit = 100;


// The issue with its body and delivery counts, as GET /api/v1/issues/{id} shows it.
Result<json::object> full_issue(ApiContext& ctx, const Issue& issue) {
  auto details = load_issue_details(ctx.deliveries, ctx.bounces, ctx.releases, ctx.segments,
                                    issue, ctx.clock.now());
  if (!details) return details.error();
  return issue_details_json(issue, *details);
}

Response issue_answer(ApiContext& ctx, const Request& req, int status, const Issue& issue) {
  auto out = full_issue(ctx, issue);
  if (!out) return error_answer(req, out.error());
  return Response::json(status, *out);
}

Response steer(ApiContext& ctx, const Request& req, send::IssueAction action) {
  auto id = issue_id(req);
  if (!id) return no_issue(req);
  auto issue = send::steer_issue({ctx.issues, ctx.deliveries, ctx.audit}, *id, action, req.principal);
  if (!issue) return error_answer(req, issue.error());
  if (issue->status == IssueStatus::sending && ctx.sending_changed) ctx.sending_changed();
  return issue_answer(ctx, req, 200, *issue);
}





}  // namespace

Response api_list_newsletters(ApiContext& ctx, const Request& req) {
  auto all = ctx.newsletters.list_newsletters(false);
  if (!all) return error_answer(req, all.error());
  json::array out;
  for (const auto& n : *all) out.push_back(newsletter_json(n));
  return Response::json(200, json::object{{"newsletters", std::move(out)}});
}

Response api_list_issues(ApiContext& ctx, const Request& req) {
  store::IssueQuery q;
  q.limit = kDefaultLimit;
  if (auto slug = req.query_param("newsletter")) {
    auto n = ctx.newsletters.newsletter_by_slug(std::string(*slug));
    if (!n) {
      if (n.error().code != Errc::not_found) return error_answer(req, n.error());
      return Response::json_error(400, "invalid_field",
                                  fmt::format("There is no newsletter \"{}\".", excerpt(*slug)));
    }
    q.newsletter_id = n->id;
  }
  if (auto status = req.query_param("status")) {
    q.status = issue_status_from(*status);
    if (!q.status) {
      return Response::json_error(400, "invalid_field",
                                  "\"status\" must be draft, scheduled, sending, paused, sent or "
                                  "cancelled.");
    }
  }
  if (auto limit = req.query_param("limit")) {
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc() || end != limit->data() + limit->size() || n < 1 || n > kMaxLimit) {
      return Response::json_error(400, "invalid_field",
                                  fmt::format("\"limit\" must be a number from 1 to {}.", kMaxLimit));
    }
    q.limit = n;
  }
  auto issues = ctx.issues.list_issues(q);
  if (!issues) return error_answer(req, issues.error());
  json::array out;
  for (const auto& i : *issues) out.push_back(issue_json(i));
  return Response::json(200, json::object{{"issues", std::move(out)}});
}

namespace {

// The "segment" field of an issue's body (create, update, send): absent (nullopt),
// null (the whole newsletter: an inner nullopt) or a segment's name.
Result<std::optional<std::optional<std::string>>> segment_field(const json::object& body) {
  if (!body.contains("segment")) return std::optional<std::optional<std::string>>{};
  if (body.at("segment").is_null()) {
    return std::optional<std::optional<std::string>>(std::optional<std::string>{});
  }
  auto name = string_field(body, "segment", std::nullopt);
  if (!name) return name.error();
  return std::optional<std::optional<std::string>>(std::optional<std::string>(*name));
}

Response segments_unavailable() {
  return Response::json_error(503, "unavailable", "Segments are not served here.");
}

}  // namespace

Response api_create_issue(ApiContext& ctx, const Request& req) {
  std::optional<Response> refusal;
  auto parsed = json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object* body = &parsed->value.as_object();
  for (const auto& field : *body) {
    const std::string_view k = field.key();
    if (k != "newsletter" && k != "subject" && k != "preheader" && k != "body_markdown" &&
        k != "sponsor" && k != "segment") {
      return Response::json_error(
          400, "invalid_field",
          fmt::format("Unknown field \"{}\": an issue has newsletter, subject, preheader, "
                      "body_markdown, sponsor and segment.",
                      excerpt(k)));
    }
  }
  auto draft = detail::new_issue_fields(ctx.newsletters, req, *body, std::nullopt, refusal);
  if (!draft) return std::move(*refusal);
  // The segment is checked before the issue is made, so a refusal makes nothing.
  auto segment = segment_field(*body);
  if (!segment) return error_answer(req, segment.error());
  if (*segment && **segment) {
    if (ctx.segments == nullptr) return segments_unavailable();
    auto g = segment_for_new_issue(*ctx.segments, draft->newsletter_id, ***segment,
                                   "\"segment\"");
    if (!g) return error_answer(req, g.error());
  }
  auto added = ctx.issues.add_issue(*draft);
  if (!added) return error_answer(req, added.error());
  (void)ctx.audit.audit(req.principal, "issue.create", std::to_string(added->id), added->subject);
  if (*segment && **segment) {
    if (auto st = choose_issue_segment(*ctx.segments, added->id, **segment); !st) {
      return error_answer(req, st.error());
    }
  }
  added->newsletter_slug = draft->newsletter_slug;
  auto r = issue_answer(ctx, req, 201, *added);
  r.set_header("Location", fmt::format("/api/v1/issues/{}", added->id));
  return r;
}

Response api_update_issue(ApiContext& ctx, const Request& req) {
  auto id = issue_id(req);
  if (!id) return no_issue(req);
  std::optional<Response> refusal;
  auto parsed = json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object& body = parsed->value.as_object();
  store::IssueUpdate u;
  for (const auto& field : body) {
    const std::string_view k = field.key();
    if (k == "segment") continue;  // below, once every other field is checked
    if (k == "sponsor") {
      std::optional<Response> sponsor_refusal;
      auto sponsor = sponsor_field(body, sponsor_refusal);
      if (sponsor_refusal) return std::move(*sponsor_refusal);
      u.sponsor_markdown = sponsor.value_or("");  // null removes it
      continue;
    }
    if (k != "subject" && k != "preheader" && k != "body_markdown") {
      return Response::json_error(
          400, "invalid_field",
          fmt::format("Unknown field \"{}\": an issue's subject, preheader, body_markdown, "
                      "sponsor and segment can change.",
                      excerpt(k)));
    }
    auto value = string_field(body, k, std::nullopt);
    if (!value) return error_answer(req, value.error());
    Status checked = k == "subject" ? check_text("\"subject\"", *value, kMaxIssueSubject)
                     : k == "preheader"
                         ? check_text("\"preheader\"", *value, kMaxIssuePreheader)
                         : check_document("\"body_markdown\"", *value, kMaxIssueBody);
    if (!checked) return error_answer(req, checked.error());
    if (k == "subject") {
      if (value->find_first_not_of(' ') == std::string::npos) {
        return Response::json_error(400, "invalid_field", "\"subject\" must not be empty");
      }
      u.subject = std::move(*value);
    } else if (k == "preheader") {
      u.preheader = std::move(*value);
    } else {
      if (auto st = render::check_issue_body(*value); !st) return merge_field_refusal(st.error());
      u.body_markdown = std::move(*value);
    }
  }
  auto segment = segment_field(body);
  if (!segment) return error_answer(req, segment.error());
  if (*segment) {
    if (ctx.segments == nullptr) return segments_unavailable();
    if (auto st = choose_issue_segment(*ctx.segments, *id, **segment); !st) {
      return error_answer(req, st.error());
    }
  }
  auto edit = send::edit_issue(ctx.issues, ctx.audit, *id, u, req.principal);
  if (!edit) return error_answer(req, edit.error());
  auto out = full_issue(ctx, edit->issue);
  if (!out) return error_answer(req, out.error());
  (*out)["corrected"] = edit->corrected;
  return Response::json(200, *out);
}

Response api_get_issue(ApiContext& ctx, const Request& req) {
  auto id = issue_id(req);
  if (!id) return no_issue(req);
  auto issue = ctx.issues.issue_by_id(*id);
  if (!issue) return error_answer(req, issue.error());
  return issue_answer(ctx, req, 200, *issue);
}

Response api_send_issue(ApiContext& ctx, const Request& req) {
  auto id = issue_id(req);
  if (!id) return no_issue(req);
  // {"segment":"NAME"} sends to a segment (api_readers.hpp), null to the whole
  // newsletter; no body or no field leaves the issue's audience as it was.
  if (!req.body.empty()) {
    std::optional<Response> refusal;
    auto parsed = detail::json_body(req, refusal);
    if (!parsed) return std::move(*refusal);
    const json::object& body = parsed->value.as_object();
    if (auto r = detail::unknown_field(body, {"segment"}, "a send may name a segment.")) {
      return std::move(*r);
    }
    auto segment = segment_field(body);
    if (!segment) return error_answer(req, segment.error());
    if (*segment) {
      if (ctx.segments == nullptr) return segments_unavailable();
      if (auto st = choose_issue_segment(*ctx.segments, *id, **segment); !st) {
        return error_answer(req, st.error());
      }
    }
  }
  auto started = send::start_send({ctx.issues, ctx.deliveries, ctx.audit}, *id, req.principal);
  if (!started) return error_answer(req, started.error());
  if (ctx.sending_changed) ctx.sending_changed();
  auto out = full_issue(ctx, started->issue);
  if (!out) return error_answer(req, out.error());
  (*out)["queued_now"] = started->queued;
  (*out)["resumed"] = started->resumed;
  return Response::json(202, *out);
}

Response api_pause_issue(ApiContext& ctx, const Request& req) {
  return steer(ctx, req, send::IssueAction::pause);
}

Response api_resume_issue(ApiContext& ctx, const Request& req) {
  return steer(ctx, req, send::IssueAction::resume);
}

Response api_cancel_issue(ApiContext& ctx, const Request& req) {
  return steer(ctx, req, send::IssueAction::cancel);
}

Response api_test_issue(ApiContext& ctx, const Request& req) {
  auto id = issue_id(req);
  if (!id) return no_issue(req);
  if (!ctx.test_sender) {
    return Response::json_error(503, "unavailable", "This server sends no test messages.");
  }
  std::optional<Response> refusal;
  auto parsed = json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object& body = parsed->value.as_object();
  if (auto r = unknown_field(body, {"to", "name"}, "a test send has to and name.")) {
    return std::move(*r);
  }
  const json::value* to = body.if_contains("to");
  if (!to || !to->is_array() || to->as_array().empty()) {
    return Response::json_error(400, "invalid_field",
                                "\"to\" must be an array of one or more addresses.");
  }
  std::vector<std::string> addresses;
  for (const auto& v : to->as_array()) {
    if (!v.is_string()) {
      return Response::json_error(400, "invalid_field", "\"to\" must hold strings.");
    }
    addresses.emplace_back(v.as_string());
  }
  auto name = string_field(body, "name", std::string());
  if (!name) return error_answer(req, name.error());
  if (auto st = check_text("\"name\"", *name, 200); !st) return error_answer(req, st.error());
  auto results = ctx.test_sender->send(*id, addresses, *name);
  if (!results) {
    if (results.error().code == Errc::invalid_argument) {
      return Response::json_error(400, "invalid_field", results.error().message);
    }
    return error_answer(req, results.error());
  }
  json::array out;
  for (const auto& r : *results) {
    using Kind = transport::DeliveryResult::Kind;
    out.push_back(json::object{{"to", r.to},
                               {"result", r.result.kind == Kind::delivered ? "accepted"
                                          : r.result.kind == Kind::failed  ? "refused"
                                                                           : "deferred"},
                               {"code", r.result.code},
                               {"reply", r.result.reply}});
  }
  (void)ctx.audit.audit(req.principal, "issue.test", std::to_string(*id),
                        fmt::format("{} addresses", addresses.size()));
  return Response::json(200, json::object{{"results", std::move(out)}});
}

namespace {

// A refused schedule or unschedule: 404, 409 for the issue's state, 422 for the request.
Response schedule_answer(ApiContext& ctx, const Request& req, send::ScheduleResult done) {
  using R = send::ScheduleRefusal;
  if (done.issue) return issue_answer(ctx, req, 200, *done.issue);
  const std::string& message = done.issue.error().message;
  const std::string code(send::refusal_code(done.refusal));
  switch (done.refusal) {
    case R::none:
    case R::failed:
      if (done.issue.error().code == Errc::invalid_argument) {
        return Response::json_error(422, "invalid_schedule", message);
      }
      return error_answer(req, done.issue.error());
    case R::not_found:
      return no_issue(req);
    case R::edition_taken:
    case R::not_draft:
    case R::not_scheduled:
      return Response::json_error(409, code, message);
    default:
      return Response::json_error(422, code, message);
  }
}

}  // namespace

Response api_schedule_issue(ApiContext& ctx, const Request& req) {
  auto id = issue_id(req);
  if (!id) return no_issue(req);
  std::optional<Response> refusal;
  auto parsed = json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object& body = parsed->value.as_object();
  if (auto r = unknown_field(body, {"edition", "at"},
                             "an issue is scheduled for an \"edition\" or \"at\" an instant.")) {
    return std::move(*r);
  }
  auto edition = string_field(body, "edition", std::string());
  auto at = string_field(body, "at", std::string());
  for (const auto* r : {&edition, &at}) {
    if (!*r) return error_answer(req, r->error());
  }
  if (edition->empty() == at->empty()) {
    return Response::json_error(400, "invalid_field",
                                "Give either \"edition\" (YYYY-MM-DD, of a scheduled "
                                "newsletter) or \"at\" (an RFC 3339 instant, of a manual one).");
  }
  send::ScheduleRequest request{std::move(*edition), std::move(*at), "\"edition\"", "\"at\""};
  return schedule_answer(ctx, req,
                         send::schedule_issue(ctx.newsletters, ctx.issues, *id, request,
                                              ctx.clock.now(), req.principal));
}

Response api_unschedule_issue(ApiContext& ctx, const Request& req) {
  auto id = issue_id(req);
  if (!id) return no_issue(req);
  return schedule_answer(ctx, req, send::unschedule_issue(ctx.issues, *id, req.principal));
}

Response api_openapi(ApiContext&, const Request&) {
  auto doc = resource("web/api/openapi.json");
  if (!doc) return Response::json_error(404, "not_found", "There is no API description.");
  return Response::text(200, std::string(*doc), "application/json");
}

}  // namespace broadsheet::admin
