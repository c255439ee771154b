// Store role: the scheduler's releases of scheduled issues into the delivery log, one
// cohort (the readers of one time zone, or everyone) at a time (src/scheduler/).
//
// A cohort is recorded once, released or skipped, in cohort_releases: the record is
// what makes a release happen once whatever the restarts. Releasing is several
// transactions (keyset batches of readers, then the record); a crash between them
// leaves rows queued without a record, and the next release of that cohort adds the
// rest: the log holds one row per issue and reader, so nobody is queued twice.
// Callers serialise releases of one issue (scheduler/tick.hpp takes a lock).
// Thread-safe; each method is one transaction unless its comment says otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

// An issue the scheduler may have to release: scheduled, or sending with cohorts left.
struct ReleaseCandidate {
  Id issue_id = 0;
  Id newsletter_id = 0;
  std::string newsletter_slug;
  std::string schedule;  // the newsletter's schedule text
  std::string edition;   // "YYYY-MM-DD", or "" (a manual newsletter's issue)
  std::optional<UnixSeconds> scheduled_at;
  std::string default_timezone;  // the newsletter's; "" when it has none
  IssueStatus status = IssueStatus::scheduled;
};

enum class CohortOutcome { released, skipped };
std::string_view to_string(CohortOutcome o);

// One cohort of an issue as recorded.
struct CohortRelease {
  std::string zone;  // "" for everyone
  UnixSeconds release_at = 0;
  UnixSeconds decided_at = 0;
  CohortOutcome outcome = CohortOutcome::released;
  std::size_t readers = 0;
};

// Which readers a release queues: those whose stored zone is one of `zones` (a local
// schedule's cohort: its zone, and for the default zone also "" and unknown names),
// or, with `everyone`, every confirmed, active reader of the newsletter.
struct CohortMembers {
  bool everyone = false;
  std::vector<std::string> zones;
};

class Releases {
 public:
  virtual ~Releases() = default;

  // Scheduled issues, and sending ones still releasing, by id.
  virtual Result<std::vector<ReleaseCandidate>> release_candidates() = 0;
  // Every distinct stored zone of readers (of any newsletter; "" included), sorted.
  // Cheap: a skip through an index, one step per zone.
  virtual Result<std::vector<std::string>> reader_zones() = 0;
  // The cohorts recorded for an issue, in release order.
  virtual Result<std::vector<CohortRelease>> cohort_releases(Id issue_id) = 0;
  // Queues the confirmed, active readers of `members` who have no delivery of the issue
  // yet, in keyset batches of `batch_size` readers (one transaction each), then records
  // the cohort released with the number queued. The first release turns a scheduled
  // issue into a sending one that is releasing (stamping started_at). Returns the number
  // queued. Errc::conflict when the issue is neither scheduled nor sending and
  // releasing (cancelled or paused meanwhile), or the cohort is already recorded.
  // Several transactions (see above).
  // `now` (the scheduler's instant) stamps the record and the rows.
  virtual Result<std::size_t> release_cohort(Id issue_id, const std::string& zone,
                                             const CohortMembers& members, UnixSeconds release_at,
                                             UnixSeconds now, std::size_t batch_size) = 0;
  // Records the cohort skipped, too late to release, and in the same transaction the
  // audit entry ("system", "issue.cohort_skipped"). Errc::conflict when it is recorded.
  virtual Status skip_cohort(Id issue_id, const std::string& zone, UnixSeconds release_at,
                             UnixSeconds now, const std::string& why) = 0;
  // Every cohort of the issue has been recorded: a releasing issue may now become sent
  // (when its deliveries are done); one of which no cohort was released (all skipped)
  // is cancelled, with an audit entry. Returns the issue's status after.
  virtual Result<IssueStatus> finish_releasing(Id issue_id, UnixSeconds now) = 0;
  // Cohorts skipped as late, over every issue: /metrics' counter.
  virtual Result<std::uint64_t> skipped_cohorts_total() = 0;
  // Confirmed, active readers of the newsletter by stored zone ("" for none).
  virtual Result<std::vector<std::pair<std::string, std::size_t>>> readers_by_zone(
      Id newsletter_id) = 0;
};

}  // namespace broadsheet::store
