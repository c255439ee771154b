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

#include <charconv>

#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {
namespace {

constexpr std::size_t kMaxError = 512;

std::string join_ids(const std::vector<Id>& ids) {
  std::string out;
  for (Id id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

// "3,5" -> {3, 5}; anything that is not a decimal id is skipped (the column is written
// only by join_ids()).
std::vector<Id> split_ids(std::string_view text) {
  std::vector<Id> out;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    Id id = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), id);
    if (ec == std::errc() && end == part.data() + part.size() && id > 0) out.push_back(id);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// The columns of due_mail, read by name (Query::columns); status is the reader's.
constexpr ColumnList<9> kQueuedColumns{{"id", "kind", "subscriber_id", "newsletter_ids",
                                        "created_at", "attempts", "email", "name", "status"}};
QueuedMail read_queued(const Query& q) {
  constexpr const auto& c = kQueuedColumns;
  QueuedMail m;
  m.id = q.int_of(c["id"]);
  // The CHECK on the column admits only the two names.
  m.kind = q.text_of(c["kind"]) == to_string(QueuedMailKind::welcome)
               ? QueuedMailKind::welcome
               : QueuedMailKind::confirmation;
  m.subscriber_id = q.int_of(c["subscriber_id"]);
  m.newsletter_ids = split_ids(q.text_of(c["newsletter_ids"]));
  m.created_at = q.int_of(c["created_at"]);
  m.attempts = static_cast<int>(q.int_of(c["attempts"]));
  m.email = q.text_of(c["email"]);
  m.name = q.text_of(c["name"]);
  m.blocked = subscriber_status_from(q.text_of(c["status"])) == SubscriberStatus::blocked;
  return m;
}

// The columns of mail_queue_state.
constexpr ColumnList<2> kQueueStateColumns{{"pending", "next_due_at"}};

// An error kept in the queue: one line, at most kMaxError bytes, never cut inside a
// UTF-8 character.
std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxError)) out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  if (text.size() > kMaxError) {
    std::size_t end = out.size();
    while (end > 0 && (static_cast<unsigned char>(out[end - 1]) & 0xC0) == 0x80) --end;
    if (end > 0 && (static_cast<unsigned char>(out[end - 1]) & 0x80)) out.resize(end - 1);
  }
  return out;
}

}  // namespace

Status enqueue_confirmation(sqlite3* db, const Statements& sql, Id subscriber_id,
                            const std::vector<Id>& newsletters, UnixSeconds now) {
  const std::string ids = join_ids(newsletters);
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
    const std::string error = m.sent_at ? std::string() : one_line(m.error);
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
