// The drafts maker (issue 12 item 6): the scheduler's drafts from feeds, and the cutoff.
//
// For each newsletter with drafts from feeds on (newsletter update --draft-from-feeds)
// and a recurring schedule, at each step (scheduler/tick.hpp's make_drafts hook):
//  - an edition whose first release minus the lead has come, before that release, and
//    that has no issue: its draft is made from the articles of the newsletter's feeds
//    published since the previous edition's draft instant (its first release minus the
//    lead; with no previous edition, the day before), select_articles and the draft
//    layout (draft.hpp). No article: no draft, the edition is skipped and recorded
//    (store::Editions, with the reason).
//  - an edition whose first release has come and whose issue is still a draft (not
//    approved with `issue schedule`): with --on-cutoff send it is scheduled for the
//    edition as it is (the releases of the same step then send it, cohort by cohort);
//    with hold (the default), or when the step comes later than the late window after
//    that release, the edition is skipped and recorded. The draft stays a draft.
// An edition's first release is the earliest cohort's (schedule/cohorts.hpp) over the
// readers' zones, as the releases compute it. Editions are looked at from two days
// before today (UTC) to the lead's reach after it: an edition whose whole drafting
// window passed while nothing ran gets no draft.
//
// Idempotent: a made draft is the edition's issue, and an edition has one issue (the
// store refuses a second, so two makers racing make one); a skip is recorded once.
//
// Trusts the store and `now` (the caller's clock). Fails with the store's errors; a
// layout or a body that fails its check fails that newsletter's draft with a message
// naming it, and the others go on. Thread-safe as the store's roles are.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "schedule/editions.hpp"
#include "store/articles.hpp"
#include "store/audit_log.hpp"
#include "store/editions.hpp"
#include "store/issues.hpp"
#include "store/newsletters.hpp"
#include "store/releases.hpp"

namespace broadsheet::drafts {

// Articles a draft chooses from, at most: the newest since the previous edition.
inline constexpr std::size_t kMaxDraftCandidates = 1000;

struct MakerParts {
  store::Newsletters& newsletters;
  store::Articles& articles;
  store::Issues& issues;
  store::Releases& releases;  // the readers' zones, for the first release
  store::Editions& editions;
  store::AuditLog& audit;
  std::string data_dir;                // DATA/templates/draft/SLUG.md.mustache
  std::string publication_zone;        // publication.timezone: readers without a zone
  UnixSeconds late_window = 2 * 3600;  // [schedule] late_window
  // Checks a draft's body as any issue's (render::check_issue_body); empty: none.
  std::function<Status(std::string_view markdown)> check_body;
};

enum class DraftOutcome { made, no_articles, sent_at_cutoff, held_at_cutoff };

// What one step did to one edition.
struct DraftReport {
  std::string newsletter_slug;
  std::string edition;
  DraftOutcome outcome = DraftOutcome::made;
  Id issue_id = 0;           // the draft made, or cut off; 0 for no_articles
  std::size_t articles = 0;  // in the draft made
  std::string reason;        // of a skip
};

// "morning 2026-12-08: draft issue 7 made (5 articles)", "... skipped: ...".
std::string describe(const DraftReport& r);

// Everything due at `now` (above). A newsletter whose draft fails (its layout) is
// reported in `warnings` and the others go on; a store failure ends the call.
struct DraftsDone {
  std::vector<DraftReport> reports;
  std::vector<std::string> warnings;
};
Result<DraftsDone> make_due_drafts(const MakerParts& parts, UnixSeconds now);

// `broadsheet issue draft --newsletter SLUG --edition DATE`: the draft of that edition
// at once, whether drafts from feeds are on or not (its settings apply). Refused with
// Errc::invalid_argument when the newsletter is manual or the day is not an edition of
// its schedule or is past (schedule::first_open_day), Errc::conflict when the edition
// has an issue (named) or was skipped (with the reason), Errc::not_found when its feeds
// brought no article since the previous edition (nothing is recorded).
Result<Issue> make_draft_now(const MakerParts& parts, const Newsletter& n, schedule::Day edition,
                             UnixSeconds now);

}  // namespace broadsheet::drafts
