// PostgreSQL backend of the Store: the outgoing mail queue of the reader side
// (store/queued_mail.hpp), as sqlite/sqlite_mail_queue.cpp has it; the SQL in
// queries/queued_mail.sql.
//
// Rows are written by the transactions that make an email due (pg_signups.cpp) through
// the helpers of pg_mail_queue.hpp, and claimed and settled by the senders of every
// node (send/mail_queue.hpp): claim_mail() leases the rows it returns in one statement
// that skips rows another node is claiming (FOR UPDATE SKIP LOCKED), so two nodes never
// take the same row; claims and settlements run again when the server gives them up for
// another node's (retry.hpp). A crash between sending and settling sends that row again once its
// lease has run out; a settled row never is.
#include "store/postgres/pg_mail_queue.hpp"

#include <fmt/format.h>

#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"
#include "store/postgres/retry.hpp"
#include "store/row_readers.hpp"

namespace broadsheet::store::postgres {

Status enqueue_confirmation(Connection& c, Id subscriber_id, const std::vector<Id>& newsletters,
                            UnixSeconds now) {
  const std::string ids = join_mail_ids(newsletters);
  Query q(c, "enqueue_mail");
  q.bind_text(1, to_string(QueuedMailKind::confirmation))
      .bind_int(2, subscriber_id)
      .bind_text(3, ids)
      .bind_int(4, now);
  return q.run();
}

Result<bool> enqueue_welcome(Connection& c, Id subscriber_id, Id newsletter, UnixSeconds now) {
  Query q(c, "enqueue_welcome");
  q.bind_int(1, subscriber_id).bind_int(2, newsletter).bind_int(3, now);
  bool queued = false;
  if (auto s = q.each_row([&] { queued = true; }); !s) return s.error();
  return queued;
}

Result<std::vector<QueuedMail>> PgStore::due_mail(UnixSeconds now, std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  std::vector<QueuedMail> out;
  Query q(**c, "due_mail");
  q.columns(kQueuedColumns).bind_int(1, now).bind_int(2, as_sql_limit(limit));
  if (auto s = q.each_row([&] { out.push_back(read_queued(q)); }); !s) {
    return failed_to("read the mail queue", s.error());
  }
  return out;
}

Result<std::vector<QueuedMail>> PgStore::claim_mail(const std::string& owner, UnixSeconds now,
                                                    UnixSeconds until, std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  return retry_transaction(**c, [&]() -> Result<std::vector<QueuedMail>> {
    std::vector<QueuedMail> out;
    Query q(**c, "claimable_mail");
    q.columns(kQueuedColumns)
        .bind_int(1, now)
        .bind_int(2, as_sql_limit(limit))
        .bind_text(3, owner)
        .bind_int(4, until);
    if (auto s = q.each_row([&] { out.push_back(read_queued(q)); }); !s) {
      return failed_to("claim queued mail", s.error());
    }
    return out;
  });
}

Status PgStore::settle_mail(const std::vector<MailSettlement>& settlements) {
  if (settlements.empty()) return {};
  auto c = lease();
  if (!c) return c.error();
  return retry_transaction(**c, [&]() -> Status {
    Transaction tx(**c);
    if (auto s = tx.begin(); !s) return failed_to("settle queued mail", s.error());
    for (const auto& m : settlements) {
      std::optional<std::int64_t> sent_at, next;
      if (m.sent_at) sent_at = *m.sent_at;
      if (!m.sent_at && m.next_attempt_at) next = *m.next_attempt_at;
      const std::string error = m.sent_at ? std::string() : mail_error_line(m.error);
      Query q(**c, "settle_mail");
      q.bind_int(1, m.id).bind_opt_int(2, sent_at).bind_opt_int(3, next).bind_text(4, error);
      if (auto s = q.run(); !s) return failed_to("settle queued mail", s.error());
    }
    if (auto s = tx.commit(); !s) return failed_to("settle queued mail", s.error());
    return {};
  });
}

Result<MailQueueState> PgStore::mail_queue_state() {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "mail_queue_state");
  q.columns(kQueueStateColumns);
  if (auto s = q.expect_row("mail_queue_state returned no row"); !s) {
    return failed_to("read the mail queue", s.error());
  }
  MailQueueState state;
  state.pending = static_cast<std::size_t>(q.int_of(kQueueStateColumns["pending"]));
  state.next_due_at = q.opt_int_of(kQueueStateColumns["next_due_at"]);
  return state;
}

Result<std::size_t> PgStore::purge_mail_queue(UnixSeconds before, std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "purge_mail_queue");
  q.bind_int(1, before).bind_int(2, as_sql_limit(limit));
  if (auto s = q.run(); !s) return failed_to("purge the mail queue", s.error());
  return static_cast<std::size_t>(q.affected());
}

}  // namespace broadsheet::store::postgres
