// Store role: a reader's sign-up, confirmation and leaving, each with the emails it
// makes due queued in the same transaction (store/queued_mail.hpp), and the robot
// check's replay ledger that a sign-up spends from. Used by the sign-up service and
// the reader pages (src/web).
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

// One reader's sign-up as the public form submits it, already validated.
struct SignupRequest {
  std::string email;  // normalised
  std::string email_display;
  // Of a new subscriber only: a known one is never changed by a sign-up.
  std::string name;
  std::string timezone;            // IANA name or empty
  std::vector<Id> newsletter_ids;  // public newsletters, by id
  // Public newsletters by slug, looked up inside the sign-up's transaction (no store
  // round trip of its own): a slug that names no public newsletter makes the request
  // Errc::not_found. Together with newsletter_ids, at least one newsletter.
  std::vector<std::string> newsletter_slugs;
  bool marketing = false;       // ticked the separate marketing-offers box
  std::string consent_version;  // version of the consent text shown
  std::string source_page;      // page the box was on (bounded by the caller)
  std::string client_address;   // already truncated or hashed as configured
  // A confirmation email is due for an unconfirmed subscription unless one was sent
  // at or after this instant (at most one per address per window).
  UnixSeconds resend_after = 0;
  // The robot check this sign-up spends, in the same transaction: a sign-up and the
  // spending of its proof of work happen together or not at all, and share the commit.
  // Empty: none. A challenge already spent records nothing and says so in the outcome
  // (SignupOutcome::challenge_spent_before).
  std::string challenge_id;
  UnixSeconds challenge_expires_at = 0;
  // Written to the audit log as the sign-up's "signup" entry, in its transaction.
  std::string audit_detail;
};

struct SignupOutcome {
  Id subscriber_id = 0;
  bool blocked = false;              // the address is blocked: send nothing
  std::vector<Id> confirmation_due;  // unconfirmed newsletters to send a confirmation for
  std::vector<Id> confirmed_now;     // single opt-in newsletters confirmed by this sign-up
  std::size_t emails_queued = 0;     // rows this sign-up added to the mail queue
  // The request's robot check was spent before (a replay): nothing was recorded, and
  // the other fields are empty.
  bool challenge_spent_before = false;
  // The address is on the suppression list (a bounce, a complaint, the publisher):
  // nothing was recorded but the robot check spent and the audit entry, nothing is
  // queued, and the other fields are empty.
  bool suppressed = false;
};

class Signups {
 public:
  virtual ~Signups() = default;

  // Returns only once the sign-up is durable; concurrent calls share one commit (group
  // commit). For each newsletter: a new or unsubscribed subscription becomes unconfirmed
  // (or confirmed when the newsletter is single opt-in), a confirmed one stays as it is;
  // the consent ledger gets one row per newsletter (and one for marketing when ticked);
  // the audit log gets the "signup" entry. In the same transaction the emails due are
  // queued (store/queued_mail.hpp): one confirmation for the newsletters of
  // confirmation_due (stamped as sent now), and the welcome email of each newsletter of
  // confirmed_now that has one. Nothing is queued for a blocked address, and nothing
  // at all is recorded for a suppressed one (SignupOutcome::suppressed).
  virtual Result<SignupOutcome> record_signup(const SignupRequest& r) = 0;
  // Confirms the unconfirmed subscriptions of `subscriber_id` (to `newsletter_id`, or
  // to all when 0). Returns the newsletters that became confirmed (may be empty); the
  // welcome email of each that has one is queued in the same transaction.
  virtual Result<std::vector<Id>> confirm(Id subscriber_id, Id newsletter_id) = 0;
  // Unsubscribes from `newsletter_id` (all when 0); returns those that changed.
  virtual Result<std::vector<Id>> unsubscribe(Id subscriber_id, Id newsletter_id,
                                              const std::string& source) = 0;
  // The robot checks record_signup() spent are kept until they expire (a replayed
  // proof of work is refused meanwhile); this drops those expired at `now`.
  virtual Status purge_spent_challenges(UnixSeconds now) = 0;
};

}  // namespace broadsheet::store
