// Store role: the outgoing mail queue of the reader side (table mail_queue), as its
// sender sees it (send/mail_queue.hpp).
//
// The emails a reader is owed (a confirmation, a welcome) are queued by the very
// transaction that makes them due: Signups::record_signup() and confirm() queue them
// beside the sign-up or the confirmation, so both are durable or neither is. The sender
// claims due rows (a lease, so that the senders of several nodes share the queue and
// never take the same row), sends them and settles them.
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

enum class QueuedMailKind { confirmation, welcome };
// The names stored in mail_queue.kind.
inline std::string_view to_string(QueuedMailKind k) {
  return k == QueuedMailKind::welcome ? "welcome" : "confirmation";
}

struct QueuedMail {
  Id id = 0;
  QueuedMailKind kind = QueuedMailKind::confirmation;
  Id subscriber_id = 0;
  std::vector<Id> newsletter_ids;  // a confirmation names one or more, a welcome one
  UnixSeconds created_at = 0;
  int attempts = 0;  // attempts before this one
  // The reader as they are when the row is read (not when it was queued).
  std::string email, name;
  bool blocked = false;
};

// What became of one attempt at a queued email.
struct MailSettlement {
  Id id = 0;
  std::optional<UnixSeconds> sent_at;          // delivered then
  std::optional<UnixSeconds> next_attempt_at;  // not delivered: due again then
  std::string error;                           // why not delivered, one line
  // Neither sent_at nor next_attempt_at: given up for good.
};

struct MailQueueState {
  std::size_t pending = 0;                 // rows not yet sent nor given up
  std::optional<UnixSeconds> next_due_at;  // the earliest due of them
};

// Named apart from the sender (send/mail_queue.hpp), which drains it.
class QueuedMailStore {
 public:
  virtual ~QueuedMailStore() = default;

  // Up to `limit` pending emails due at `now`, the earliest due first. Reads only.
  virtual Result<std::vector<QueuedMail>> due_mail(UnixSeconds now, std::size_t limit) = 0;
  // due_mail for one of several senders: up to `limit` due rows whose lease is free,
  // ran out at `now`, or is `owner`'s (its rows not sent, the transport stopping), leased to `owner` until `until`, in one transaction;
  // concurrent claimers never get the same row (PostgreSQL: FOR UPDATE SKIP LOCKED).
  // Settling a row gives its lease back; a sender that dies leaves its rows to the
  // next claimer once `until` has passed.
  virtual Result<std::vector<QueuedMail>> claim_mail(const std::string& owner, UnixSeconds now,
                                                     UnixSeconds until, std::size_t limit) = 0;
  // Records what became of a batch of attempts, in one transaction; each counts as an
  // attempt and frees the row's lease. A row no longer pending (settled before) is
  // left as it is.
  virtual Status settle_mail(const std::vector<MailSettlement>& settlements) = 0;
  virtual Result<MailQueueState> mail_queue_state() = 0;
  // Drops up to `limit` rows done (sent or given up) that were queued before `before`,
  // oldest first; returns how many.
  virtual Result<std::size_t> purge_mail_queue(UnixSeconds before, std::size_t limit) = 0;
  // `listener` is called after every commit that queued mail, on the committing thread,
  // with no lock of the store held; it must be quick and must not call the store.
  // Replaces the previous listener; an empty function removes it.
  // REQUIRES: no call that may queue mail runs concurrently with this one.
  virtual void set_mail_listener(std::function<void()> listener) = 0;
};

}  // namespace broadsheet::store
