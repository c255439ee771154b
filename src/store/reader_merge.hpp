// Two reader rows that a new mailbox rule makes one (store/mailbox_keys.hpp): how their
// subscriptions to one newsletter become one, shared by the backends' remaking of the
// keys (sqlite/mailbox_keys.hpp, postgres/pg_mailbox_keys.cpp). Pure; thread-safe.
#pragma once

#include <algorithm>
#include <optional>

#include "store/readers.hpp"

namespace broadsheet::store {

// One newsletter's subscription of two rows of one mailbox, as one. What protects
// consent decides: an unsubscribe stands unless the other row subscribed (or
// confirmed) after it; otherwise confirmed wins over unconfirmed. The earliest
// created_at and the earliest confirmed_at (the evidence of consent) are kept; the
// result's source is the row whose status won. `kept` gives the ids.
inline Subscription merge_subscription(const Subscription& kept, const Subscription& other) {
  using enum SubscriptionStatus;
  auto joined_at = [](const Subscription& x) { return x.confirmed_at.value_or(x.created_at); };
  auto left_at = [](const Subscription& x) { return x.unsubscribed_at.value_or(0); };
  const bool kept_left = kept.status == unsubscribed;
  const bool other_left = other.status == unsubscribed;
  const Subscription* winner = &kept;
  if (kept_left && other_left) {
    winner = left_at(other) > left_at(kept) ? &other : &kept;
  } else if (kept_left) {
    winner = joined_at(other) > left_at(kept) ? &other : &kept;
  } else if (other_left) {
    winner = joined_at(kept) > left_at(other) ? &kept : &other;
  } else if (other.status == confirmed && kept.status != confirmed) {
    winner = &other;
  }
  Subscription out = *winner;
  out.subscriber_id = kept.subscriber_id;
  out.newsletter_id = kept.newsletter_id;
  out.newsletter_slug = kept.newsletter_slug;
  out.created_at = std::min(kept.created_at, other.created_at);
  std::optional<UnixSeconds> first_confirmed = kept.confirmed_at;
  if (other.confirmed_at && (!first_confirmed || *other.confirmed_at < *first_confirmed)) {
    first_confirmed = other.confirmed_at;
  }
  out.confirmed_at = out.status == unconfirmed ? std::nullopt : first_confirmed;
  if (out.status != unsubscribed) out.unsubscribed_at.reset();
  return out;
}

}  // namespace broadsheet::store
