#include "desk/dashboard.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>

#include "admin/json_shapes.hpp"
#include "desk/layout.hpp"
#include "schedule/editions.hpp"
#include "send/issue_control.hpp"

namespace broadsheet::desk {
namespace {

namespace json = boost::json;
namespace mustache = kainjow::mustache;

constexpr std::int64_t kDays = 90;
constexpr std::int64_t kDay = 86400;
constexpr int kEditionsShown = 3;
constexpr std::size_t kFailuresShown = 10;

struct Sending {
  Issue issue;
  std::string newsletter;
  send::IssueProgress progress;
  std::optional<double> seconds_left;
};

// Issues sending or paused, with their progress, oldest first.
Result<std::vector<Sending>> sending_now(DeskContext& ctx) {
  auto newsletters = ctx.newsletters.list_newsletters(false);
  if (!newsletters) return newsletters.error();
  std::map<Id, std::string> names;
  for (const auto& n : *newsletters) names[n.id] = n.name;
  std::vector<Sending> out;
  const UnixSeconds now = ctx.clock.now();
  for (IssueStatus status : {IssueStatus::sending, IssueStatus::paused}) {
    store::IssueQuery q;
    q.status = status;
    q.limit = 20;
    auto issues = ctx.issues.list_issues(q);
    if (!issues) return issues.error();
    for (auto& issue : *issues) {
      auto progress = send::issue_progress(ctx.deliveries, issue, now);
      if (!progress) return progress.error();
      Sending s{issue, names[issue.newsletter_id], std::move(*progress), std::nullopt};
      const auto left = s.progress.counts.queued + s.progress.counts.deferred;
      if (status == IssueStatus::sending && s.progress.rate && *s.progress.rate > 0) {
        s.seconds_left = std::ceil(static_cast<double>(left) / *s.progress.rate);
      }
      out.push_back(std::move(s));
    }
  }
  std::sort(out.begin(), out.end(), [](const Sending& a, const Sending& b) {
    return a.issue.started_at.value_or(0) < b.issue.started_at.value_or(0);
  });
  return out;
}

std::string duration_text(double seconds) {
  const auto s = static_cast<std::int64_t>(seconds);
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min {} s", s / 60, s % 60);
  return fmt::format("{} h {} min", s / 3600, (s % 3600) / 60);
}

// The line under a progress bar, as desk.js writes it too.
std::string figures(const Sending& s) {
  const auto& c = s.progress.counts;
  std::string out = fmt::format("{} of {} sent", c.sent, c.total());
  if (c.failed > 0) out += fmt::format(" · {} failed", c.failed);
  if (s.progress.rate) out += fmt::format(" · {:.1f} per second", *s.progress.rate);
  if (s.seconds_left) out += " · " + duration_text(*s.seconds_left) + " left";
  if (s.issue.status != IssueStatus::sending) out += fmt::format(" · {}", to_string(s.issue.status));
  return out;
}

json::object sending_json(const Sending& s) {
  json::object out = admin::progress_json(s.progress);
  out["id"] = s.issue.id;
  out["subject"] = s.issue.subject;
  out["newsletter"] = s.newsletter;
  out["status"] = to_string(s.issue.status);
  if (s.seconds_left) out["seconds_left"] = static_cast<std::int64_t>(*s.seconds_left);
  return out;
}

// The 90 days up to today (UTC), each with its counts (0 when nothing happened).
Result<std::vector<store::ActivityDay>> ninety_days(DeskContext& ctx) {
  const std::int64_t today = ctx.clock.now() / kDay;
  auto rows = ctx.dashboard.activity_since(today - kDays + 1);
  if (!rows) return rows.error();
  std::vector<store::ActivityDay> out;
  auto row = rows->begin();
  for (std::int64_t day = today - kDays + 1; day <= today; ++day) {
    while (row != rows->end() && row->day < day) ++row;
    if (row != rows->end() && row->day == day) {
      out.push_back(*row);
    } else {
      out.push_back({day, 0, 0, 0});
    }
  }
  return out;
}

http::Response unavailable(const DeskContext& ctx, const http::Request& request, const Error& e) {
  spdlog::error("request {}: desk {}: {}", request.request_id, request.path, e.message);
  if (request.path.starts_with("/admin/api/")) {
    auto r = http::Response::json_error(503, "unavailable", "Please try again later.");
    return desk_headers(r);
  }
  return error_page(ctx.templates, ctx.config, request, 503,
                    "The figures cannot be read now. Please try again later.");
}

Result<mustache::data> next_editions(DeskContext& ctx) {
  auto newsletters = ctx.newsletters.list_newsletters(false);
  if (!newsletters) return newsletters.error();
  mustache::data rows{mustache::data::type::list};
  const UnixSeconds now = ctx.clock.now();
  for (const auto& n : *newsletters) {
    auto sched = schedule::parse_schedule(n.schedule);
    if (!sched || sched->manual) continue;
    auto days = schedule::edition_days(*sched, schedule::first_open_day(*sched, now), 62);
    if (days.size() > kEditionsShown) days.resize(kEditionsShown);
    for (const auto& d : days) {
      const std::string date = schedule::format_day(d);
      auto issue = ctx.issues.issue_of_edition(n.id, date);
      if (!issue) return issue.error();
      mustache::data row;
      row.set("newsletter", n.name);
      row.set("date", date);
      if (*issue) {
        row.set("issue", std::to_string((*issue)->id));
        row.set("state", std::string(to_string((*issue)->status)));
      } else {
        row.set("state", "no issue yet");
      }
      rows.push_back(row);
    }
  }
  return rows;
}

}  // namespace

http::Response dashboard_page(DeskContext& ctx, const http::Request& request) {
  web::TemplateData data;

  auto readers = ctx.dashboard.readers_per_newsletter();
  if (!readers) return unavailable(ctx, request, readers.error());
  mustache::data newsletters{mustache::data::type::list};
  for (const auto& r : *readers) {
    mustache::data row;
    row.set("name", r.name);
    row.set("confirmed", fmt::format("{}", r.confirmed));
    row.set("unconfirmed", fmt::format("{}", r.unconfirmed));
    newsletters.push_back(row);
  }
  data.set("newsletters", newsletters);

  auto sending = sending_now(ctx);
  if (!sending) return unavailable(ctx, request, sending.error());
  mustache::data bars{mustache::data::type::list};
  for (const auto& s : *sending) {
    const auto& c = s.progress.counts;
    mustache::data row;
    row.set("id", std::to_string(s.issue.id));
    row.set("subject", s.issue.subject);
    row.set("newsletter", s.newsletter);
    row.set("sent", std::to_string(c.sent));
    row.set("total", std::to_string(c.total()));
    row.set("max", std::to_string(std::max<std::size_t>(c.total(), 1)));
    row.set("done", std::to_string(c.sent + c.failed));
    row.set("percent", std::to_string(c.total() ? (c.sent + c.failed) * 100 / c.total() : 0));
    row.set("figures", figures(s));
    bars.push_back(row);
  }
  data.set("sending", bars);

  auto days = ninety_days(ctx);
  if (!days) return unavailable(ctx, request, days.error());
  mustache::data table{mustache::data::type::list};
  for (auto it = days->rbegin(); it != days->rend(); ++it) {
    if (it->signups == 0 && it->confirmations == 0 && it->unsubscribes == 0) continue;
    mustache::data row;
    row.set("day", format_iso8601(it->day * kDay).substr(0, 10));
    row.set("signups", std::to_string(it->signups));
    row.set("confirmations", std::to_string(it->confirmations));
    row.set("unsubscribes", std::to_string(it->unsubscribes));
    table.push_back(row);
  }
  data.set("days", table);

  auto editions = next_editions(ctx);
  if (!editions) return unavailable(ctx, request, editions.error());
  data.set("editions", *editions);

  auto failures = ctx.dashboard.recent_failures(kFailuresShown);
  if (!failures) return unavailable(ctx, request, failures.error());
  mustache::data list{mustache::data::type::list};
  for (const auto& f : *failures) {
    mustache::data row;
    row.set("issue_id", std::to_string(f.issue_id));
    row.set("subject", f.subject);
    row.set("what", f.recipient.empty() ? std::string("sending stopped")
                                        : "not delivered to " + f.recipient);
    row.set("reply", f.reply);
    row.set("at", format_iso8601(f.at));
    list.push_back(row);
  }
  data.set("failures", list);

  return render_page(ctx.templates, ctx.config, request,
                     {"desk/dashboard", "Dashboard", data, "dashboard"});
}

http::Response progress_api(DeskContext& ctx, const http::Request& request) {
  auto sending = sending_now(ctx);
  if (!sending) return unavailable(ctx, request, sending.error());
  // ?issue=ID: that issue only (an issue's page), none when it is not sending or paused.
  const std::string only(request.query_param("issue").value_or(""));
  json::array issues;
  for (const auto& s : *sending) {
    if (only.empty() || only == std::to_string(s.issue.id)) issues.push_back(sending_json(s));
  }
  auto r = http::Response::json(200, json::object{{"issues", std::move(issues)}});
  return desk_headers(r);
}

http::Response activity_api(DeskContext& ctx, const http::Request& request) {
  auto days = ninety_days(ctx);
  if (!days) return unavailable(ctx, request, days.error());
  json::array when, signups, confirmations, unsubscribes;
  for (const auto& d : *days) {
    when.push_back(d.day * kDay);
    signups.push_back(d.signups);
    confirmations.push_back(d.confirmations);
    unsubscribes.push_back(d.unsubscribes);
  }
  json::array series{json::object{{"label", "Sign-ups"}, {"values", std::move(signups)}},
                     json::object{{"label", "Confirmations"}, {"values", std::move(confirmations)}},
                     json::object{{"label", "Unsubscribes"}, {"values", std::move(unsubscribes)}}};
  auto r = http::Response::json(200, json::object{{"days", std::move(when)}, {"series", std::move(series)}});
  return desk_headers(r);
}

}  // namespace broadsheet::desk
