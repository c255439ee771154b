// What a sign-up does to one subscription, decided from the subscription's state, the
// newsletter's opt-in and the resend window alone: shared by the backends' record_signup
// (sqlite/sqlite_signup.cpp, postgres/pg_signups.cpp), so both decide alike.
// Pure; thread-safe.
#pragma once

#include <optional>

#include "core/types.hpp"

namespace broadsheet::store {

struct SignupStep {
  std::optional<SubscriptionStatus> set_to;  // nothing when the status stays as it is
  bool confirmation_due = false;
};

// `current` is nothing when the reader has no subscription to the newsletter yet.
inline SignupStep plan_signup(std::optional<SubscriptionStatus> current,
                              std::optional<UnixSeconds> last_confirmation_sent, OptIn opt_in,
                              UnixSeconds resend_after) {
  SignupStep step;
  if (!current || *current == SubscriptionStatus::unsubscribed) {
    step.set_to = opt_in == OptIn::single_opt_in ? SubscriptionStatus::confirmed
                                                 : SubscriptionStatus::unconfirmed;
  }
  SubscriptionStatus after = step.set_to ? *step.set_to : *current;
  // A reader who left and comes back gets a confirmation at once: only they could have
  // left (the unsubscribe link is in their inbox), so this opens no way to flood them.
  bool returning = current && *current == SubscriptionStatus::unsubscribed;
  step.confirmation_due =
      after == SubscriptionStatus::unconfirmed &&
      (returning || !last_confirmation_sent || *last_confirmation_sent < resend_after);
  return step;
}

}  // namespace broadsheet::store
