// `broadsheet schedule tick|show`: the scheduler from the command line.
//
// tick [--now RFC3339] [--wait]: one step of the scheduler at that instant (default:
// now): polls the feeds that are due, makes the drafts that are due, releases the
// cohorts that are due (scheduler/tick.hpp), one line each. Idempotent and safe from
// cron beside `serve` (a step that finds another running does nothing, exit 0). With
// --wait it then sends what is sending (released now or earlier and not yet sent):
// handed to the server running on the data folder and followed, or sent here; it ends
// with the counts line of each issue and `issue send --wait`'s exit codes (3 while
// something is pending).
// show SLUG [--from DATE] [--days N] [--json]: the coming editions, each with its
// issue (or none), state (skipped, with the reason, for an edition the drafts from
// feeds skipped), and cohorts: zone, readers, release instant in UTC and local.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <set>

#include "admin/api_newsletters.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/feed_limits.hpp"
#include "cli/issue_commands.hpp"
#include "cli/scheduling.hpp"
#include "feeds/poll.hpp"
#include "render/body_fields.hpp"
#include "schedule/cohorts.hpp"

namespace broadsheet::cli {
namespace {

namespace json = boost::json;

struct TickArgs {
  std::string now;
  bool wait = false;
};

struct ShowArgs {
  std::string slug, from;
  int days = 7;
  bool json = false;
};

int tick(const std::string& data, const TickArgs& a) {
  auto fixed_now = now_option(a.now);
  if (!fixed_now) return fail(fixed_now.error());
  const UnixSeconds now = fixed_now->value_or(SystemClock::instance().now());
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  feeds::CurlFetcher fetcher(fetch_limits(ctx->config));
  auto report =
      scheduler::run_tick(scheduler_parts(*ctx, fetcher, data), data, now, release_options(ctx->config));
  if (!report) return fail(report.error());
  if (report->busy) {
    std::cerr << fmt::format("another scheduler step is running on {}; nothing done\n", data);
    return kExitOk;
  }
  for (const auto& w : report->warnings) std::cerr << "warning: " << w << "\n";
  if (report->feeds_polled > 0)
    std::cout << fmt::format("feeds polled: {}\n", report->feeds_polled);
  for (const auto& d : report->drafts) std::cout << d << "\n";
  for (const auto& r : report->releases) std::cout << describe(r) << "\n";
  if (report->releases.empty() && report->feeds_polled == 0 && report->drafts.empty()) {
    std::cout << fmt::format("nothing due at {}\n", format_iso8601(now));
  }
  if (!a.wait) return kExitOk;
  // What is sending now: released by this step or an earlier one.
  std::set<Id> ids;
  for (const auto& r : report->releases) ids.insert(r.issue_id);
  store::IssueQuery q;
  q.status = IssueStatus::sending;
  q.limit = 1000;
  auto sending = ctx->store->list_issues(q);
  if (!sending) return fail(sending.error());
  for (const auto& i : *sending) ids.insert(i.id);
  int code = kExitOk;
  bool any = false;
  for (Id id : ids) {
    auto issue = ctx->store->issue_by_id(id);
    if (!issue) return fail(issue.error());
    if (issue->status != IssueStatus::sending) continue;
    any = true;
    code = std::max(code, send_or_hand_over(*ctx, data, id, true));
  }
  if (!any) std::cout << delivery_counts_line({}) << "\n";
  return code;
}

// The local wall-clock time of `t` in `zone`, "2026-12-08T06:00".
std::string local_text(UnixSeconds t, const std::string& zone) {
  std::string iso = format_iso8601(schedule::local_time(t, zone));
  return iso.substr(0, 16);
}

int show(const std::string& data, const ShowArgs& a) {
  if (a.days < 1 || a.days > 366) return fail("--days: from 1 to 366");
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto newsletter = ctx->store->newsletter_by_slug(a.slug);
  if (!newsletter) return fail(newsletter.error());
  auto sched = schedule::parse_schedule(newsletter->schedule);
  if (!sched) return fail(fmt::format("newsletter {}: {}", a.slug, sched.error().message));
  schedule::Day from{};
  if (a.from.empty()) {
    from = schedule::day_at(SystemClock::instance().now(), "UTC");
  } else {
    auto parsed = schedule::parse_day(a.from);
    if (!parsed) return fail("--from: " + parsed.error().message);
    from = *parsed;
  }
  const auto dates = schedule::edition_days(*sched, from, a.days);
  auto by_zone = ctx->store->readers_by_zone(newsletter->id);
  if (!by_zone) return fail(by_zone.error());
  const std::string default_zone = schedule::cohort_zone(
      schedule::effective_zone("", newsletter->default_timezone, ctx->config.publication.timezone),
      "UTC");
  // Readers per cohort zone.
  std::vector<std::string> zones;
  std::map<std::string, std::size_t> readers;
  for (const auto& [zone, n] : *by_zone) {
    zones.push_back(zone);
    readers[sched->zone == "local" ? schedule::cohort_zone(zone, default_zone) : ""] += n;
  }

  // Editions skipped (drafts from feeds: no new articles, or a draft held at the cutoff).
  std::map<std::string, std::string> skipped;
  if (!dates.empty()) {
    auto skips = ctx->store->edition_skips(newsletter->id, schedule::format_day(dates.front()),
                                           schedule::format_day(dates.back()));
    if (!skips) return fail(skips.error());
    for (const auto& k : *skips) skipped[k.edition] = k.reason;
  }

  json::array editions;
  for (const auto& date : dates) {
    const std::string day = schedule::format_day(date);
    auto issue = ctx->store->issue_of_edition(newsletter->id, day);
    if (!issue) return fail(issue.error());
    std::map<std::string, store::CohortRelease> recorded;
    if (*issue) {
      auto rs = ctx->store->cohort_releases((*issue)->id);
      if (!rs) return fail(rs.error());
      for (const auto& r : *rs) recorded[r.zone] = r;
    }
    json::array cohorts;
    for (const auto& c : schedule::edition_cohorts(*sched, date, zones, default_zone)) {
      const std::string shown_zone = c.zone.empty() ? sched->zone : c.zone;
      std::string state = "pending";
      if (auto it = recorded.find(c.zone); it != recorded.end()) {
        state = std::string(store::to_string(it->second.outcome));
      }
      cohorts.push_back(json::object{{"zone", shown_zone},
                                     {"readers", readers[c.zone]},
                                     {"release_at", format_iso8601(c.release_at)},
                                     {"release_local", local_text(c.release_at, shown_zone)},
                                     {"state", state}});
    }
    const auto skip = skipped.find(day);
    const bool was_skipped = skip != skipped.end();
    json::object e{{"date", day},
                   {"issue", *issue ? json::value((*issue)->id) : json::value(nullptr)},
                   {"state", *issue ? std::string(to_string((*issue)->status))
                                    : (was_skipped ? "skipped" : "none")},
                   {"skipped", was_skipped ? json::value(skip->second) : json::value(nullptr)},
                   {"cohorts", std::move(cohorts)}};
    editions.push_back(std::move(e));
  }
  if (a.json) {
    std::cout << json::serialize(json::object{{"newsletter", newsletter->slug},
                                              {"schedule", newsletter->schedule},
                                              {"editions", std::move(editions)}})
              << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("{}: {}\n", newsletter->slug, newsletter->schedule);
  if (editions.empty()) std::cout << "no edition in these days\n";
  for (const auto& v : editions) {
    const auto& e = v.as_object();
    std::cout << fmt::format("{}  {}  {}\n", json::value_to<std::string>(e.at("date")),
                             e.at("issue").is_null()
                                 ? std::string("no issue")
                                 : fmt::format("issue {}", e.at("issue").as_int64()),
                             json::value_to<std::string>(e.at("state")));
    if (!e.at("skipped").is_null()) {
      std::cout << fmt::format("  edition skipped: {}\n",
                               json::value_to<std::string>(e.at("skipped")));
    }
    for (const auto& cv : e.at("cohorts").as_array()) {
      const auto& c = cv.as_object();
      std::cout << fmt::format("  {:<24} {:>8} readers  {}  {} local  {}\n",
                               json::value_to<std::string>(c.at("zone")),
                               c.at("readers").to_number<std::int64_t>(),
                               json::value_to<std::string>(c.at("release_at")),
                               json::value_to<std::string>(c.at("release_local")),
                               json::value_to<std::string>(c.at("state")));
    }
  }
  return kExitOk;
}

}  // namespace

drafts::MakerParts maker_parts(Context& ctx, const std::string& data_dir) {
  auto parts = admin::draft_maker_parts(*ctx.store, ctx.config);
  parts.data_dir = data_dir;
  return parts;
}

scheduler::TickParts scheduler_parts(Context& ctx, feeds::Fetcher& fetcher,
                                     const std::string& data_dir) {
  scheduler::TickParts parts{*ctx.store, {}, {}};
  store::Store* store = ctx.store.get();
  const feeds::ParseLimits limits = parse_limits(ctx.config);
  parts.poll_feeds = [store, &fetcher, limits](UnixSeconds now) -> Result<std::size_t> {
    auto polled = feeds::poll_due_feeds(*store, *store, fetcher, now, limits);
    if (!polled) return polled.error();
    return polled->size();
  };
  parts.make_drafts = [maker = maker_parts(ctx, data_dir)](
                          UnixSeconds now) -> Result<scheduler::DraftsDone> {
    auto done = drafts::make_due_drafts(maker, now);
    if (!done) return done.error();
    scheduler::DraftsDone out;
    for (const auto& r : done->reports) out.lines.push_back(drafts::describe(r));
    out.warnings = std::move(done->warnings);
    return out;
  };
  return parts;
}

scheduler::ReleaseOptions release_options(const Config& config) {
  scheduler::ReleaseOptions o;
  o.late_window = config.schedule.late_window;
  o.default_zone = config.publication.timezone;
  return o;
}

std::string describe(const scheduler::ReleaseReport& r) {
  const std::string head = fmt::format("issue {} ({}): ", r.issue_id, r.newsletter_slug);
  const std::string who = r.zone.empty() ? "everyone" : r.zone;
  if (r.outcome == store::CohortOutcome::skipped) {
    return head + fmt::format("skipped {} (due {}): later than the late window", who,
                              format_iso8601(r.release_at));
  }
  return head + fmt::format("released to {} (due {}): {} readers", who,
                            format_iso8601(r.release_at), r.readers);
}

void add_schedule_commands(CLI::App& app, Invocation& invocation) {
  static TickArgs t;
  static ShowArgs s;
  auto* group = app.add_subcommand("schedule", "The scheduler: releases of scheduled issues");
  group->require_subcommand(1);

  auto* tick_cmd = group->add_subcommand(
      "tick", "Do what is due at an instant: poll feeds, make drafts, release cohorts");
  auto& tick_data = add_data_option(tick_cmd);
  tick_cmd->add_option("--now", t.now, "The instant, RFC 3339 (default: now)");
  tick_cmd->add_flag("--wait", t.wait,
                     "Then send what is sending (or follow the server sending it); exit 0 "
                     "only when nothing is pending (3 otherwise)");
  tick_cmd->callback([&] { invocation.exit_code = tick(tick_data, t); });

  auto* show_cmd = group->add_subcommand(
      "show", "The coming editions of a newsletter, their issues and cohorts");
  auto& show_data = add_data_option(show_cmd);
  show_cmd->add_option("slug", s.slug, "The newsletter")->required();
  show_cmd->add_option("--from", s.from, "The first date, YYYY-MM-DD (default: today, UTC)");
  show_cmd->add_option("--days", s.days, "How many days (default 7)");
  show_cmd->add_flag("--json", s.json, "JSON instead of text");
  show_cmd->callback([&] { invocation.exit_code = show(show_data, s); });
}

}  // namespace broadsheet::cli
