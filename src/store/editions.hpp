// Store role: what became of an edition that goes out to nobody. The scheduler's drafts
// from feeds (src/drafts/) skip an edition when its feeds brought no new article, or
// when its draft was not approved by the first release and the newsletter holds such
// editions (--on-cutoff hold); the record, with its reason, is what `schedule show`
// shows and what makes the drafts maker leave the edition alone from then on.
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

struct EditionSkip {
  std::string edition;  // "YYYY-MM-DD"
  std::string reason;   // one line: "no new articles since …", "not approved by …"
  UnixSeconds skipped_at = 0;
};

class Editions {
 public:
  virtual ~Editions() = default;

  // Records the edition skipped, once, and in the same transaction the audit entry
  // ("system", "edition.skipped", "SLUG:YYYY-MM-DD", the reason). True when recorded
  // now, false when it was already (the first reason stays). Errc::not_found when the
  // newsletter does not exist.
  virtual Result<bool> skip_edition(Id newsletter_id, const std::string& edition,
                                    const std::string& reason, UnixSeconds now) = 0;
  // The skipped editions of the newsletter from `first` to `last` ("YYYY-MM-DD",
  // inclusive), by date.
  virtual Result<std::vector<EditionSkip>> edition_skips(Id newsletter_id, const std::string& first,
                                                         const std::string& last) = 0;
};

}  // namespace broadsheet::store
