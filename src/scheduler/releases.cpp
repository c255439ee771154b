// release_due: see releases.hpp.
#include "scheduler/releases.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

namespace broadsheet::scheduler {
namespace {

std::string effective_default(const store::ReleaseCandidate& issue, const std::string& fallback) {
  return schedule::cohort_zone(issue.default_timezone, fallback);
}

}  // namespace

std::vector<schedule::Cohort> issue_cohorts(const store::ReleaseCandidate& issue,
                                            const std::vector<std::string>& reader_zones,
                                            const std::string& default_zone) {
  if (issue.edition.empty()) {
    if (issue.scheduled_at) return {schedule::Cohort{"", *issue.scheduled_at}};
    return {};
  }
  auto parsed = schedule::parse_schedule(issue.schedule);
  auto date = schedule::parse_day(issue.edition);
  if (!parsed || !date) return {};
  return schedule::edition_cohorts(*parsed, *date, reader_zones,
                                   effective_default(issue, default_zone));
}

store::CohortMembers cohort_members(const std::string& zone,
                                    const std::vector<std::string>& reader_zones,
                                    const std::string& default_zone) {
  store::CohortMembers members;
  if (zone.empty()) {
    members.everyone = true;
    return members;
  }
  for (const auto& z : reader_zones) {
    if (schedule::cohort_zone(z, default_zone) == zone) members.zones.push_back(z);
  }
  return members;
}

Result<std::vector<ReleaseReport>> release_due(store::Releases& releases, UnixSeconds now,
                                               const ReleaseOptions& options) {
  std::vector<ReleaseReport> out;
  auto candidates = releases.release_candidates();
  if (!candidates) return candidates.error();
  if (candidates->empty()) return out;
  auto zones = releases.reader_zones();
  if (!zones) return zones.error();
  for (const auto& issue : *candidates) {
    const auto cohorts = issue_cohorts(issue, *zones, options.default_zone);
    if (cohorts.empty()) continue;
    if (cohorts.front().release_at > now) continue;  // nothing due yet: no store read
    auto recorded = releases.cohort_releases(issue.issue_id);
    if (!recorded) return recorded.error();
    std::set<std::string> done;
    for (const auto& r : *recorded) done.insert(r.zone);
    const std::string default_zone = effective_default(issue, options.default_zone);
    bool stopped = false;
    for (const auto& cohort : cohorts) {
      if (cohort.release_at > now) break;
      if (done.contains(cohort.zone)) continue;
      ReleaseReport report{issue.issue_id,    issue.newsletter_slug,          cohort.zone,
                           cohort.release_at, store::CohortOutcome::released, 0};
      const UnixSeconds late = now - cohort.release_at;
      if (late >= options.late_window) {
        const std::string why =
            fmt::format("{} s late, beyond the late window of {} s", late, options.late_window);
        if (auto s = releases.skip_cohort(issue.issue_id, cohort.zone, cohort.release_at, now, why);
            !s) {
          if (s.error().code != Errc::conflict) return s.error();
        }
        report.outcome = store::CohortOutcome::skipped;
        spdlog::warn("schedule: issue {} ({}): cohort {} skipped: {}", issue.issue_id,
                     issue.newsletter_slug, cohort.zone.empty() ? "of everyone" : cohort.zone, why);
      } else {
        auto queued = releases.release_cohort(issue.issue_id, cohort.zone,
                                              cohort_members(cohort.zone, *zones, default_zone),
                                              cohort.release_at, now, options.batch_size);
        if (!queued) {
          if (queued.error().code != Errc::conflict) return queued.error();
          stopped = true;  // paused or cancelled meanwhile: left alone
          break;
        }
        report.readers = *queued;
      }
      done.insert(cohort.zone);
      out.push_back(std::move(report));
    }
    if (stopped) continue;
    const bool all_recorded =
        std::all_of(cohorts.begin(), cohorts.end(),
                    [&](const schedule::Cohort& c) { return done.contains(c.zone); });
    if (all_recorded) {
      if (auto s = releases.finish_releasing(issue.issue_id, now); !s) return s.error();
    }
  }
  return out;
}

}  // namespace broadsheet::scheduler
