// make_due_drafts and make_draft_now: see maker.hpp.
#include "drafts/maker.hpp"

#include <fmt/format.h>

#include <optional>
#include <set>

#include "core/text.hpp"
#include "drafts/draft.hpp"
#include "schedule/cohorts.hpp"

namespace broadsheet::drafts {
namespace {

constexpr UnixSeconds kDay = 24 * 3600;

schedule::Day plus(schedule::Day d, std::int64_t days) {
  return schedule::Day{d.days_since_epoch + days};
}

// The first release of the edition of `day`, as the releases compute it.
std::optional<UnixSeconds> first_release(const MakerParts& parts, const Newsletter& n,
                                         const schedule::Schedule& sched, schedule::Day day,
                                         const std::vector<std::string>& zones) {
  const auto cohorts = schedule::edition_cohorts(
      sched, day, zones, schedule::cohort_zone(n.default_timezone, parts.publication_zone));
  if (cohorts.empty()) return std::nullopt;
  return cohorts.front().release_at;
}

// Where the articles of the edition of `day` begin: the previous edition's draft
// instant, or a day before this one's when there is none within a year.
UnixSeconds articles_since(const MakerParts& parts, const Newsletter& n,
                           const schedule::Schedule& sched, schedule::Day day, UnixSeconds first,
                           const std::vector<std::string>& zones) {
  const auto before = schedule::edition_days(sched, plus(day, -366), 366);
  if (!before.empty()) {
    if (auto prev = first_release(parts, n, sched, before.back(), zones)) {
      return *prev - n.drafts.lead;
    }
  }
  return first - n.drafts.lead - kDay;
}

// The preview line: the first titles, as far as they fit.
std::string preheader_of(const std::vector<Article>& picked) {
  std::string out;
  for (const auto& a : picked) {
    if (a.title.empty() || has_unprintable_chars(a.title)) continue;
    const std::string next = out.empty() ? a.title : out + " · " + a.title;
    if (next.size() > kMaxIssuePreheader) break;
    out = next;
  }
  return out;
}

struct Made {
  std::optional<Issue> issue;  // nullopt: no article since `since`
  std::size_t articles = 0;
  UnixSeconds since = 0;
};

// The draft of `day` from the articles since the previous edition, added to the store
// (Errc::conflict when the edition has an issue meanwhile).
Result<Made> draft_edition(const MakerParts& parts, const Newsletter& n,
                           const schedule::Schedule& sched, schedule::Day day, UnixSeconds first,
                           const std::vector<std::string>& zones, const std::string& actor) {
  Made made;
  made.since = articles_since(parts, n, sched, day, first, zones);
  auto candidates = parts.articles.newsletter_articles(n.id, made.since, kMaxDraftCandidates);
  if (!candidates) return candidates.error();
  if (candidates->empty()) return made;
  const auto picked = select_articles(std::move(*candidates), n.drafts);
  auto layout = load_draft_layout(parts.data_dir, n.slug);
  if (!layout) return layout.error();
  auto body = render_draft(*layout, n, day, picked);
  if (!body) return body.error();
  if (parts.check_body) {
    if (auto st = parts.check_body(*body); !st) {
      return make_error(Errc::invalid_argument,
                        fmt::format("draft layout {}: the draft it makes is refused: {}",
                                    layout->origin, st.error().message));
    }
  }
  if (body->size() > kMaxIssueBody) {
    return make_error(Errc::invalid_argument,
                      fmt::format("draft layout {}: the draft is larger than {} bytes",
                                  layout->origin, kMaxIssueBody));
  }
  Issue i;
  i.newsletter_id = n.id;
  i.subject = draft_subject(n, day);
  i.preheader = preheader_of(picked);
  i.body_markdown = std::move(*body);
  i.edition = schedule::format_day(day);
  auto added = parts.issues.add_issue(i);
  if (!added) return added.error();
  (void)parts.audit.audit(actor, "issue.draft", std::to_string(added->id),
                          fmt::format("{} {}: {} articles", n.slug, *i.edition, picked.size()));
  made.issue = std::move(*added);
  made.articles = picked.size();
  return made;
}

std::string no_articles_reason(UnixSeconds since) {
  return fmt::format("no new articles since {}", format_iso8601(since));
}

// The step's work for one newsletter.
Status newsletter_drafts(const MakerParts& parts, const Newsletter& n, UnixSeconds now,
                         const std::vector<std::string>& zones, DraftsDone& done) {
  auto sched = schedule::parse_schedule(n.schedule);
  if (!sched || sched->manual) return {};
  const schedule::Day from = plus(schedule::day_at(now, "UTC"), -2);
  const int days = static_cast<int>(5 + n.drafts.lead / kDay);
  const auto editions = schedule::edition_days(*sched, from, days);
  if (editions.empty()) return {};
  auto skips = parts.editions.edition_skips(n.id, schedule::format_day(editions.front()),
                                            schedule::format_day(editions.back()));
  if (!skips) return skips.error();
  std::set<std::string> skipped;
  for (const auto& s : *skips) skipped.insert(s.edition);

  for (const auto day : editions) {
    const auto first = first_release(parts, n, *sched, day, zones);
    if (!first || now < *first - n.drafts.lead) continue;
    const std::string edition = schedule::format_day(day);
    if (skipped.contains(edition)) continue;
    auto issue = parts.issues.issue_of_edition(n.id, edition);
    if (!issue) return issue.error();
    DraftReport report{n.slug, edition, DraftOutcome::made, 0, 0, {}};

    if (now < *first) {  // the drafting window
      if (*issue) continue;
      auto made = draft_edition(parts, n, *sched, day, *first, zones, "system");
      if (!made) {
        if (made.error().code == Errc::conflict) continue;  // made meanwhile
        if (made.error().code == Errc::database) return made.error();
        done.warnings.push_back(fmt::format("{} {}: {}", n.slug, edition, made.error().message));
        continue;
      }
      if (!made->issue) {
        report.outcome = DraftOutcome::no_articles;
        report.reason = no_articles_reason(made->since);
        auto recorded = parts.editions.skip_edition(n.id, edition, report.reason, now);
        if (!recorded) return recorded.error();
        if (*recorded) done.reports.push_back(std::move(report));
        continue;
      }
      report.issue_id = made->issue->id;
      report.articles = made->articles;
      done.reports.push_back(std::move(report));
      continue;
    }

    // The cutoff: the first release has come.
    if (!*issue || (*issue)->status != IssueStatus::draft) continue;
    report.issue_id = (*issue)->id;
    const UnixSeconds late = now - *first;
    if (n.drafts.on_cutoff == OnCutoff::send && late < parts.late_window) {
      store::IssueSchedule where;
      where.edition = edition;
      auto scheduled = parts.issues.schedule_issue((*issue)->id, where, "system");
      if (!scheduled) {
        if (scheduled.error().code == Errc::conflict) continue;  // changed meanwhile
        return scheduled.error();
      }
      report.outcome = DraftOutcome::sent_at_cutoff;
      done.reports.push_back(std::move(report));
      continue;
    }
    report.outcome = DraftOutcome::held_at_cutoff;
    report.reason = n.drafts.on_cutoff == OnCutoff::hold
                        ? fmt::format(
                              "draft issue {} was not approved by the first release at {} "
                              "(--on-cutoff hold)",
                              (*issue)->id, format_iso8601(*first))
                        : fmt::format(
                              "draft issue {} was not approved by the first release at {}, and "
                              "the cutoff came {} s late, beyond the late window of {} s",
                              (*issue)->id, format_iso8601(*first), late, parts.late_window);
    auto recorded = parts.editions.skip_edition(n.id, edition, report.reason, now);
    if (!recorded) return recorded.error();
    if (*recorded) done.reports.push_back(std::move(report));
  }
  return {};
}

}  // namespace

std::string describe(const DraftReport& r) {
  const std::string head = fmt::format("{} {}: ", r.newsletter_slug, r.edition);
  switch (r.outcome) {
    case DraftOutcome::made:
      return head + fmt::format("draft issue {} made ({} articles)", r.issue_id, r.articles);
    case DraftOutcome::no_articles:
      return head + "edition skipped: " + r.reason;
    case DraftOutcome::sent_at_cutoff:
      return head + fmt::format("draft issue {} not approved: sent as it is (--on-cutoff send)",
                                r.issue_id);
    case DraftOutcome::held_at_cutoff:
      return head + "edition skipped: " + r.reason;
  }
  return head;
}

Result<DraftsDone> make_due_drafts(const MakerParts& parts, UnixSeconds now) {
  DraftsDone done;
  auto all = parts.newsletters.list_newsletters(false);
  if (!all) return all.error();
  std::optional<std::vector<std::string>> zones;
  for (const auto& n : *all) {
    if (!n.draft_from_feeds) continue;
    if (!zones) {
      auto read = parts.releases.reader_zones();
      if (!read) return read.error();
      zones = std::move(*read);
    }
    if (auto st = newsletter_drafts(parts, n, now, *zones, done); !st) return st.error();
  }
  return done;
}

Result<Issue> make_draft_now(const MakerParts& parts, const Newsletter& n, schedule::Day edition,
                             UnixSeconds now) {
  auto sched = schedule::parse_schedule(n.schedule);
  if (!sched) {
    return make_error(Errc::invalid_argument,
                      fmt::format("newsletter {}: {}", n.slug, sched.error().message));
  }
  const std::string date = schedule::format_day(edition);
  if (sched->manual) {
    return make_error(Errc::invalid_argument,
                      fmt::format("newsletter {} has a manual schedule: it has no editions to "
                                  "draft (write the issue with `issue create`)",
                                  n.slug));
  }
  if (!schedule::is_edition_day(*sched, edition)) {
    return make_error(
        Errc::invalid_argument,
        fmt::format("{} is not an edition of {} (schedule: {})", date, n.slug, n.schedule));
  }
  if (edition < schedule::first_open_day(*sched, now)) {
    return make_error(Errc::invalid_argument,
                      fmt::format("the edition {} of {} is already past", date, n.slug));
  }
  auto skips = parts.editions.edition_skips(n.id, date, date);
  if (!skips) return skips.error();
  if (!skips->empty()) {
    return make_error(Errc::conflict, fmt::format("the edition {} of {} was skipped: {}", date,
                                                  n.slug, skips->front().reason));
  }
  auto holder = parts.issues.issue_of_edition(n.id, date);
  if (!holder) return holder.error();
  if (*holder) {
    return make_error(Errc::conflict,
                      fmt::format("the edition {} of {} already has issue {} ({})", date, n.slug,
                                  (*holder)->id, to_string((*holder)->status)));
  }
  auto zones = parts.releases.reader_zones();
  if (!zones) return zones.error();
  const auto first = first_release(parts, n, *sched, edition, *zones);
  if (!first) return make_error(Errc::invalid_argument, date + " has no release");
  auto made = draft_edition(parts, n, *sched, edition, *first, *zones, "cli");
  if (!made) return made.error();
  if (!made->issue) {
    return make_error(Errc::not_found, fmt::format("{}: {} for the edition {}: no draft made",
                                                   n.slug, no_articles_reason(made->since), date));
  }
  return std::move(*made->issue);
}

}  // namespace broadsheet::drafts
