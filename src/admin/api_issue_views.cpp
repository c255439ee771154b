#include "admin/api_issue_views.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "admin/api_common.hpp"
#include "admin/json_shapes.hpp"
#include "core/text.hpp"
#include "render/body_fields.hpp"
#include "send/issue_control.hpp"
#include "send/issue_preview.hpp"

namespace broadsheet::admin {
namespace {

namespace json = boost::json;
using detail::error_answer;
using detail::issue_id;
using detail::no_issue;
using http::Request;
using http::Response;

constexpr std::size_t kMaxToLength = 320;
constexpr std::size_t kFailuresPage = 50;
constexpr std::size_t kMaxFailuresPage = 500;
constexpr std::size_t kCsvPage = 1000;
constexpr UnixSeconds kDefaultBucket = 60;
constexpr UnixSeconds kMaxBucket = 86'400;

Response unavailable(std::string_view what) {
  return Response::json_error(503, "unavailable",
                              fmt::format("{} are not available on this server.", what));
}

// The issue rendered for the reader at `to` (empty: the sample reader), as JSON.
Response preview_answer(ApiContext& ctx, const Request& req, const Issue& issue,
                        const Newsletter& newsletter, std::string_view to) {
  if (to.size() > kMaxToLength) {
    return Response::json_error(400, "invalid_field", "\"to\" is too long for an address.");
  }
  auto reader = send::preview_reader(*ctx.readers, to, ctx.address_policy);
  if (!reader) {
    if (reader.error().code == Errc::invalid_argument) {
      return Response::json_error(400, "invalid_field", "\"to\": " + reader.error().message);
    }
    return error_answer(req, reader.error());
  }
  auto preview = send::preview_for(*ctx.messages, issue, newsletter, *reader, ctx.clock.now());
  if (!preview) {
    if (preview.error().code == Errc::invalid_argument) {
      return detail::merge_field_refusal(preview.error());
    }
    return error_answer(req, preview.error());
  }
  auto html = preview->prepared.html_for(preview->fields);
  if (!html) return error_answer(req, html.error());
  auto text = preview->prepared.text_for(preview->fields);
  if (!text) return error_answer(req, text.error());
  json::array fields;
  for (auto f : render::kBodyFields) fields.emplace_back(f);
  json::object out{{"issue", issue.id == 0 ? json::value(nullptr) : json::value(issue.id)},
                   {"newsletter", newsletter.slug},
                   {"to", reader->email},
                   {"name", reader->name},
                   {"subject", issue.subject},
                   {"preheader", issue.preheader},
                   {"from", preview->prepared.from().text()},
                   {"html", std::move(*html)},
                   {"text", std::move(*text)},
                   {"merge_fields", std::move(fields)},
                   {"sections", render::body_fields_help()},
                   {"sponsor", issue.sponsor_markdown.empty()
                                   ? json::value(nullptr)
                                   : json::value(issue.sponsor_markdown)}};
  return Response::json(200, out);
}

// The route's issue; the refusal when there is none.
std::optional<Issue> route_issue(ApiContext& ctx, const Request& req,
                                 std::optional<Response>& refusal) {
  auto id = issue_id(req);
  if (!id) {
    refusal = no_issue(req);
    return std::nullopt;
  }
  auto issue = ctx.issues.issue_by_id(*id);
  if (!issue) {
    refusal = issue.error().code == Errc::not_found ? no_issue(req)
                                                    : error_answer(req, issue.error());
    return std::nullopt;
  }
  return std::move(*issue);
}

json::object failure_json(const store::FailedDelivery& f) {
  return json::object{{"subscriber_id", f.subscriber_id},
                      {"email", f.email},
                      {"attempts", f.attempts},
                      {"reply", f.reply},
                      {"failed_at", format_iso8601(f.at)}};
}

}  // namespace

Response api_preview_issue(ApiContext& ctx, const Request& req) {
  if (ctx.messages == nullptr || ctx.readers == nullptr) return unavailable("Previews");
  std::optional<Response> refusal;
  auto issue = route_issue(ctx, req, refusal);
  if (!issue) return std::move(*refusal);
  auto newsletter = ctx.newsletters.newsletter_by_id(issue->newsletter_id);
  if (!newsletter) return error_answer(req, newsletter.error());
  return preview_answer(ctx, req, *issue, *newsletter, req.query_param("to").value_or(""));
}

Response api_preview_markdown(ApiContext& ctx, const Request& req) {
  if (ctx.messages == nullptr || ctx.readers == nullptr) return unavailable("Previews");
  std::optional<Response> refusal;
  auto parsed = detail::json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object& body = parsed->value.as_object();
  if (auto r = detail::unknown_field(
          body, {"newsletter", "subject", "preheader", "body_markdown", "sponsor", "to"},
          "a preview takes newsletter, subject, preheader, body_markdown, sponsor and to.")) {
    return std::move(*r);
  }
  auto to = detail::string_field(body, "to", std::string());
  if (!to) return error_answer(req, to.error());
  auto unsaved = detail::new_issue_fields(ctx.newsletters, req, body, "(no subject yet)", refusal);
  if (!unsaved) return std::move(*refusal);
  unsaved->created_at = ctx.clock.now();
  auto newsletter = ctx.newsletters.newsletter_by_id(unsaved->newsletter_id);
  if (!newsletter) return error_answer(req, newsletter.error());
  return preview_answer(ctx, req, *unsaved, *newsletter, *to);
}

Response api_issue_report(ApiContext& ctx, const Request& req) {
  if (ctx.reports == nullptr) return unavailable("Delivery reports");
  std::optional<Response> refusal;
  auto bucket = detail::bounded_number(req, "bucket", kDefaultBucket, 60, kMaxBucket, refusal);
  if (!bucket) return std::move(*refusal);
  auto issue = route_issue(ctx, req, refusal);
  if (!issue) return std::move(*refusal);
  auto progress = send::issue_progress(ctx.deliveries, *issue, ctx.clock.now());
  if (!progress) return error_answer(req, progress.error());
  auto buckets = ctx.reports->delivery_buckets(issue->id, *bucket, kMaxBuckets);
  if (!buckets) return error_answer(req, buckets.error());
  json::array timeline;
  for (const auto& b : *buckets) {
    timeline.push_back(json::object{
        {"start", format_iso8601(b.start)}, {"sent", b.sent}, {"failed", b.failed}});
  }
  json::object out{{"issue", issue->id},
                   {"status", std::string(to_string(issue->status))},
                   {"deliveries", progress_json(*progress)},
                   {"bucket_seconds", *bucket},
                   {"timeline", std::move(timeline)}};
  return Response::json(200, out);
}

Response api_issue_failures(ApiContext& ctx, const Request& req) {
  if (ctx.reports == nullptr) return unavailable("Delivery reports");
  std::optional<Response> refusal;
  auto after = detail::bounded_number(req, "after", 0, 0, std::int64_t{1} << 53, refusal);
  if (!after) return std::move(*refusal);
  auto limit = detail::bounded_number(req, "limit", kFailuresPage, 1, kMaxFailuresPage, refusal);
  if (!limit) return std::move(*refusal);
  auto issue = route_issue(ctx, req, refusal);
  if (!issue) return std::move(*refusal);
  auto page = ctx.reports->failed_deliveries(issue->id, *after,
                                             static_cast<std::size_t>(*limit));
  if (!page) return error_answer(req, page.error());
  json::array failures;
  for (const auto& f : *page) failures.push_back(failure_json(f));
  const bool full = page->size() == static_cast<std::size_t>(*limit);
  json::object out{{"issue", issue->id},
                   {"failures", std::move(failures)},
                   {"next_after", full ? json::value(page->back().subscriber_id)
                                       : json::value(nullptr)}};
  return Response::json(200, out);
}

Response api_issue_failures_csv(ApiContext& ctx, const Request& req) {
  if (ctx.reports == nullptr) return unavailable("Delivery reports");
  std::optional<Response> refusal;
  auto issue = route_issue(ctx, req, refusal);
  if (!issue) return std::move(*refusal);
  std::string csv = "subscriber_id,email,attempts,reply,failed_at\r\n";
  Id after = 0;
  for (;;) {
    auto page = ctx.reports->failed_deliveries(issue->id, after, kCsvPage);
    if (!page) return error_answer(req, page.error());
    for (const auto& f : *page) {
      csv += std::to_string(f.subscriber_id);
      csv += ',';
      csv_append_field(csv, f.email);
      csv += ',';
      csv += std::to_string(f.attempts);
      csv += ',';
      csv_append_field(csv, f.reply);
      csv += ',';
      csv += format_iso8601(f.at);
      csv += "\r\n";
    }
    if (page->size() < kCsvPage) break;
    after = page->back().subscriber_id;
  }
  auto r = Response::text(200, std::move(csv), "text/csv; charset=utf-8");
  r.set_header("Content-Disposition",
               fmt::format("attachment; filename=\"issue-{}-failures.csv\"", issue->id));
  return r;
}

}  // namespace broadsheet::admin
