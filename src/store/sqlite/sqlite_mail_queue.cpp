// SQLite backend of the Store: the outgoing mail queue of the reader side (table
// mail_queue, migration 0003). See sqlite_store.cpp for what the backend trusts and how
// it fails, and store.hpp for the contract.
//
// Rows are written by the transactions that make an email due (sqlite_signup.cpp,
// confirm() in sqlite_subscribers.cpp) through the helpers of sqlite_mail_queue.hpp,
// and claimed and settled by the senders (send/mail_queue.hpp): claim_mail() leases
// the rows it returns, so the senders of several nodes never take the same row. A
// crash between sending and settling sends that row again once its lease has run out;
// a settled row never is.
#include "store/sqlite/sqlite_mail_queue.hpp"

#include <fmt/format.h>

#include "store/row_readers.hpp"
#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {

Status enqueue_confirmation(sqlite3* db, const Statements& sql, Id subscriber_id,
                            const std::vector<Id>& newsletters, UnixSeconds now) {
  const std::string ids = join_mail_ids(newsletters);
  const std::string kind(to_string(QueuedMailKind::confirmation));
  Query q(db, sql.enqueue_mail);
  q.bind_text(1, kind).bind_int(2, subscriber_id).bind_text(3, ids).bind_int(4, now);
  return q.run();
}

Result<bool> enqueue_welcome(sqlite3* db, const Statements& sql, Id subscriber_id, Id newsletter,
                             UnixSeconds now) {
  Query q(db, sql.enqueue_welcome);
  q.bind_int(1, subscriber_id).bind_int(2, newsletter).bind_int(3, now);
  bool queued = false;
  if (auto s = q.each_row([&] { queued = true; }); !s) return s.error();
  return queued;
}

Result<std::vector<QueuedMail>> SqliteStore::due_mail(UnixSeconds now, std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  std::vector<QueuedMail> out;
  Query q(db(), sql().due_mail);
  q.columns(kQueuedColumns).bind_int(1, now).bind_int(2, as_sql_limit(limit));
  if (auto s = q.each_row([&] { out.push_back(read_queued(q)); }); !s) {
    return failed_to("read the mail queue", s.error());
  }
  return out;
}

Result<std::vector<QueuedMail>> SqliteStore::claim_mail(const std::string& owner, UnixSeconds now,
                                                        UnixSeconds until, std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s) return failed_to("claim queued mail", s.error());
  std::vector<QueuedMail> out;
  {
    Query q(db(), sql().claimable_mail);
    q.columns(kQueuedColumns).bind_int(1, now).bind_int(2, as_sql_limit(limit)).bind_text(3, owner);
    if (auto s = q.each_row([&] { out.push_back(read_queued(q)); }); !s) {
      return failed_to("read the mail queue", s.error());
    }
  }
  for (const auto& m : out) {
    Query q(db(), sql().claim_mail_row);
    q.bind_int(1, m.id).bind_text(2, owner).bind_int(3, until);
    if (auto s = q.run(); !s) return failed_to("claim queued mail", s.error());
  }
  if (auto s = tx.commit(); !s) return failed_to("claim queued mail", s.error());
  return out;
}

Status SqliteStore::settle_mail(const std::vector<MailSettlement>& settlements) {
  if (settlements.empty()) return {};
  auto h = hold();
  if (!h) return h.error();
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s)
    return failed_to("settle queued mail", s.error());
  for (const auto& m : settlements) {
    std::optional<std::int64_t> sent_at, next;
    if (m.sent_at) sent_at = *m.sent_at;
    if (!m.sent_at && m.next_attempt_at) next = *m.next_attempt_at;
    const std::string error = m.sent_at ? std::string() : mail_error_line(m.error);
    Query q(db(), sql().settle_mail);
    q.bind_int(1, m.id).bind_opt_int(2, sent_at).bind_opt_int(3, next).bind_text(4, error);
    if (auto s = q.run(); !s) return failed_to("settle queued mail", s.error());
  }
  if (auto s = tx.commit(); !s) return failed_to("settle queued mail", s.error());
  return {};
}

Result<MailQueueState> SqliteStore::mail_queue_state() {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().mail_queue_state);
  q.columns(kQueueStateColumns);
  if (auto s = q.expect_row("mail_queue_state returned no row"); !s) {
    return failed_to("read the mail queue", s.error());
  }
  MailQueueState state;
  state.pending = static_cast<std::size_t>(q.int_of(kQueueStateColumns["pending"]));
  state.next_due_at = q.opt_int_of(kQueueStateColumns["next_due_at"]);
  if (auto s = q.run(); !s) return failed_to("read the mail queue", s.error());
  return state;
}

Result<std::size_t> SqliteStore::purge_mail_queue(UnixSeconds before, std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().purge_mail_queue);
  q.bind_int(1, before).bind_int(2, as_sql_limit(limit));
  if (auto s = q.run(); !s) return failed_to("purge the mail queue", s.error());
  return static_cast<std::size_t>(sqlite3_changes(db()));
}

void SqliteStore::set_mail_listener(std::function<void()> listener) {
  std::lock_guard lock(mail_listener_mutex_);
  mail_listener_ = std::move(listener);
}

void SqliteStore::mail_queued() {
  std::function<void()> listener;
  {
    std::lock_guard lock(mail_listener_mutex_);
    listener = mail_listener_;
  }
  if (listener) listener();
}

}  // namespace broadsheet::store::sqlite
