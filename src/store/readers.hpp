// Store role: the readers (subscribers) and their subscriptions, as the CLI and the
// reader pages manage them one by one. Sign-ups, confirmations and leaving, which queue
// mail, are the Signups role (store/signups.hpp); bulk loads are Imports.
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"
#include "store/mailbox_keys.hpp"

namespace broadsheet::store {

struct SubscriberWithSubscriptions {
  Subscriber subscriber;
  std::vector<Subscription> subscriptions;  // ordered by newsletter slug
  std::vector<ReaderAttribute> attributes;  // ordered by key
};

// Filter for listing and exporting subscribers.
struct SubscriberQuery {
  std::optional<Id> newsletter_id;           // only those with a subscription to it
  std::optional<SubscriptionStatus> status;  // only with this subscription status
  Id after_id = 0;                           // keyset cursor: rows with id > after_id
  std::size_t limit = 1000;
};

// One reader per mailbox: every `email` (normalised by the caller) is looked up by its
// mailbox key (store/mailbox_keys.hpp), so Ann@x.org finds the reader who signed up as
// ann@x.org unless the publisher chose exact matching.
class Readers {
 public:
  virtual ~Readers() = default;

  // Errc::conflict when the mailbox has a reader already, or is suppressed (its reader
  // was removed; the message says since when): only the reader's own confirmed
  // sign-up lifts that (Signups::confirm).
  virtual Result<Subscriber> add_subscriber(const Subscriber& s) = 0;
  virtual Result<SubscriberWithSubscriptions> subscriber_by_email(const std::string& email) = 0;
  virtual Result<Subscriber> subscriber_by_id(Id id) = 0;
  virtual Result<std::vector<Subscriber>> list_subscribers(const SubscriberQuery& q) = 0;
  // Deletes the reader with their subscriptions, consents and queued mail, and in the
  // same transaction suppresses the mailbox (a hash of its key, not the address).
  virtual Status remove_subscriber(const std::string& email) = 0;
  // When the mailbox of `email` was suppressed; nothing when it is not.
  virtual Result<std::optional<UnixSeconds>> suppressed_since(const std::string& email) = 0;
  virtual Status set_name(Id subscriber_id, const std::string& name) = 0;
  // Creates or changes one subscription; stamps confirmed_at/unsubscribed_at.
  virtual Status set_subscription(Id subscriber_id, Id newsletter_id, SubscriptionStatus status,
                                  const std::string& source) = 0;
  virtual Result<std::size_t> count_subscriptions(Id newsletter_id, SubscriptionStatus status) = 0;
  // Subscriptions of a subscriber, ordered by newsletter slug, newsletter_slug filled.
  virtual Result<std::vector<Subscription>> subscriptions_of(Id subscriber_id) = 0;
  virtual Status set_timezone(Id subscriber_id, const std::string& timezone) = 0;
};

}  // namespace broadsheet::store
