// Store roles: what inbound mail tells about deliveries (bounces, complaints,
// unsubscribe mail), and the one suppression list the send engine and the mail queue
// consult. The policy's numbers come from `[bounce]` (src/bounce/bounce.hpp decides
// the kind; this role keeps the event and applies the policy in the same transaction).
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

enum class BounceKind { hard, soft, complaint, unsubscribe };
std::string_view to_string(BounceKind k);
std::optional<BounceKind> bounce_kind_from(std::string_view s);

// One event about one reader, as the processor understood it.
struct BounceEvent {
  BounceKind kind = BounceKind::hard;
  Id subscriber_id = 0;
  std::optional<Id> issue_id;  // the issue of the copy, when it was one
  Id newsletter_id = 0;        // unsubscribe: the newsletter left; 0 when not known
  std::string recipient;       // the address the report names, as received
  std::string status;          // raw: "5.1.1 smtp; 550 5.1.1 no such user", "abuse", ...
  std::string source;          // how it came: dsn, verp, arf, mailto
  // Same fingerprint, same event: kept once, counted once.
  std::string fingerprint;
};

struct BouncePolicy {
  bool hard_suppresses = true;
  int soft_limit = 3;  // 0: soft bounces never suppress
  int soft_window_seconds = 14 * 86400;
  bool complaint_unsubscribes = true;
};

struct BounceRecord {
  bool duplicate = false;  // kept before: nothing changed
  std::string action;      // suppressed, unsubscribed, counted
};

struct BounceEventRow {
  Id id = 0;
  BounceKind kind = BounceKind::hard;
  Id subscriber_id = 0;
  std::optional<Id> issue_id;
  Id newsletter_id = 0;
  std::string recipient, status, source, action;
  UnixSeconds created_at = 0;
};

// One receiving domain of an issue's copies (the part of the address after the @).
struct DomainCounts {
  std::string domain;
  std::uint64_t sent = 0;        // copies that left: accepted or refused by the relay
  std::uint64_t failed = 0;      // refused by the relay during the transaction (5xx)
  std::uint64_t hard = 0;        // hard bounces kept about them afterwards
  std::uint64_t complaints = 0;  // complaints kept about them
};

struct Suppression {
  std::string address_hash;
  std::string address;  // "" for a removed reader: only the hash is kept
  std::string reason, source;
  UnixSeconds created_at = 0;
};

class Bounces {
 public:
  virtual ~Bounces() = default;

  // Keeps the event and applies `policy` at `now`: hard (policy.hard_suppresses) and
  // the soft_limit-th soft bounce within the window suppress the reader's address; a
  // complaint unsubscribes from every newsletter and suppresses; an unsubscribe mail
  // unsubscribes from event.newsletter_id (0: from every newsletter, as a provider's
  // account-wide unsubscribe asks). Errc::not_found when the reader is gone.
  // Returns once durable; concurrent calls share one commit (group commit).
  virtual Result<BounceRecord> record_bounce(const BounceEvent& event, const BouncePolicy& policy,
                                             UnixSeconds now) = 0;
  virtual Result<std::vector<BounceEventRow>> bounce_events_of_issue(Id issue_id,
                                                                     std::size_t limit) = 0;
  virtual Result<std::vector<BounceEventRow>> bounce_events_of_subscriber(Id subscriber_id,
                                                                          std::size_t limit) = 0;
  // Events kept, by kind, over every issue: /metrics' broadsheet_bounces_total{kind}.
  // A counter: one row per kind kept as events are, never lowered by a reader's removal.
  virtual Result<std::map<BounceKind, std::uint64_t>> bounce_totals() = 0;
  // The issue's copies by receiving domain, the `limit` domains with most copies.
  virtual Result<std::vector<DomainCounts>> domain_counts_of_issue(Id issue_id,
                                                                   std::size_t limit) = 0;
};

// The suppression list: an address on it is never sent to (issues, sign-up mail) and
// is not added by imports or the publisher. A removed reader's entry is a hash only.
class Suppressions {
 public:
  virtual ~Suppressions() = default;
  // Ordered by hash, after `after_hash`, at most `limit`.
  virtual Result<std::vector<Suppression>> list_suppressions(const std::string& after_hash,
                                                             std::size_t limit) = 0;
  // True when added, false when it was suppressed already (its first date is kept).
  virtual Result<bool> add_suppression(const std::string& email, const std::string& reason,
                                       const std::string& source) = 0;
  // True when there was one to remove.
  virtual Result<bool> remove_suppression(const std::string& email) = 0;
};

}  // namespace broadsheet::store
