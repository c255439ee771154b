// Releasing scheduled issues: at an instant, which cohorts of which issues are due,
// and each one either released into the delivery log or, when it is too late, skipped
// and recorded. The scheduler's step (tick.hpp) calls release_due; the send engine
// then sends what it queued.
//
// Which cohorts an issue has: an issue tied to an edition of a recurring schedule has
// the edition's cohorts (schedule/cohorts.hpp) over the zones readers have now, readers
// with no zone (or an unknown one) counting in the newsletter's default zone
// (schedule::effective_zone: the newsletter's, else publication.timezone); an issue
// scheduled at an instant (a manual newsletter's) has one release of everyone then.
// A cohort is due when its instant has come; released when less than `late_window`
// late, skipped otherwise ("late_window" of [schedule], default 2 h). A reader who
// joins a zone whose cohort was already released gets the next edition.
//
// Trusts the store's records to say what was released; the caller serialises calls
// (tick.hpp's lock). Fails with the store's errors; an issue that stops being
// releasable meanwhile (paused, cancelled) is left alone, not an error.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "schedule/cohorts.hpp"
#include "store/releases.hpp"

namespace broadsheet::scheduler {

struct ReleaseOptions {
  UnixSeconds late_window = 2 * 3600;  // [schedule] late_window
  // Readers per transaction: 20,000 hold the write lock about 0.15 s (a sign-up waits
  // that long at most) and queue a 100,000-reader cohort in five commits.
  std::size_t batch_size = 20000;
  // publication.timezone: the zone of readers who have none, for newsletters that set
  // no default of their own (schedule::effective_zone); "" is UTC.
  std::string default_zone;
};

// What one due cohort became.
struct ReleaseReport {
  Id issue_id = 0;
  std::string newsletter_slug;
  std::string zone;  // "" for everyone
  UnixSeconds release_at = 0;
  store::CohortOutcome outcome = store::CohortOutcome::released;
  std::size_t readers = 0;
};

// The cohorts an issue has, in release order, given the readers' zones now. Empty
// when the newsletter's schedule has no edition on the issue's date (or cannot be read).
std::vector<schedule::Cohort> issue_cohorts(const store::ReleaseCandidate& issue,
                                            const std::vector<std::string>& reader_zones,
                                            const std::string& default_zone);

// The stored zones whose readers belong to the cohort `zone` (schedule::cohort_zone).
store::CohortMembers cohort_members(const std::string& zone,
                                    const std::vector<std::string>& reader_zones,
                                    const std::string& default_zone);

// Releases or skips every cohort due at `now` that is not recorded yet, in release
// order, and ends the releasing of issues that have no cohort left. Several
// transactions: a crash part-way is finished by the next call.
Result<std::vector<ReleaseReport>> release_due(store::Releases& releases, UnixSeconds now,
                                               const ReleaseOptions& options);

}  // namespace broadsheet::scheduler
