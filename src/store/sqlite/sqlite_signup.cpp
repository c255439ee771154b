// SQLite backend of the Store: a reader's sign-up, committed in groups.
// See sqlite_store.cpp for what the backend trusts and how it fails.
//
// A sign-up is acknowledged only once it is durable, and with synchronous=FULL every
// commit syncs the WAL: milliseconds on a disk, the whole cost of a sign-up. So
// concurrent sign-ups share one commit (group_commit.hpp). The caller that leads a
// group takes the connection, opens one BEGIN IMMEDIATE transaction, runs each request
// between SAVEPOINT and RELEASE, and COMMITs once; then every caller of the group
// returns. A request that fails (it names a newsletter that does not exist) is rolled
// back to its savepoint and gets its own error, and the others commit. When SQLite
// abandons the whole transaction (a full disk, an I/O error) or the COMMIT fails,
// every request of the group gets that error: none of them was written.
//
// What a sign-up does to each subscription is decided by plan_signup() alone, from the
// subscription's state, the newsletter's opt-in and the resend window.
//
// The emails a sign-up makes due (its confirmation, welcome emails of single opt-in
// newsletters) are queued in the mail queue inside the request's savepoint, and its
// audit entry is written there too: a sign-up, its emails and its audit entry are
// committed together or not at all, and cost no commit of their own. After a COMMIT
// that queued mail, the store's mail listener wakes the sender.
#include <fmt/format.h>

#include <optional>
#include <unordered_set>
#include <utility>

#include "store/signup_plan.hpp"
#include "store/sqlite/mailbox_keys.hpp"
#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_mail_queue.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {
namespace {

constexpr std::string_view kSourcePrefix = "signup:";  // then the page of the form
constexpr std::string_view kConsentNewsletter = "newsletter";
constexpr std::string_view kConsentMarketing = "marketing";

// The group's transaction, as one request sees it.
struct SignupTx {
  sqlite3* db;
  const Statements& sql;
  UnixSeconds now;  // one instant for the whole group
  const MailboxKeys& keys;
};

struct SignupNewsletter {
  Id id = 0;
  OptIn opt_in = OptIn::double_opt_in;
};

// The request's newsletters, each once, in the order given (ids, then slugs). Read
// before anything is written; Errc::not_found names the first that does not exist (for
// a slug: is not a public newsletter).
Result<std::vector<SignupNewsletter>> signup_newsletters(const SignupTx& tx,
                                                         const SignupRequest& r) {
  std::vector<SignupNewsletter> out;
  std::unordered_set<Id> seen;
  // The CHECK on the column admits only the two values opt_in_from() knows.
  auto opt_in = [](const Query& q, int col) {
    return opt_in_from(q.text_at(col)).value_or(OptIn::double_opt_in);
  };
  for (Id id : r.newsletter_ids) {
    if (!seen.insert(id).second) continue;
    Query q(tx.db, tx.sql.newsletter_opt_in);
    q.bind_int(1, id);
    if (auto s = q.expect_row(fmt::format("no newsletter with id {}", id)); !s) return s.error();
    out.push_back({id, opt_in(q, 0)});
    if (auto s = q.run(); !s) return s.error();
  }
  for (const std::string& slug : r.newsletter_slugs) {
    Query q(tx.db, tx.sql.public_newsletter_opt_in);
    q.bind_text(1, slug);
    if (auto s = q.expect_row(fmt::format("no public newsletter '{}'", slug)); !s) return s.error();
    SignupNewsletter n{q.int_at(0), opt_in(q, 1)};
    if (auto s = q.run(); !s) return s.error();
    if (seen.insert(n.id).second) out.push_back(n);
  }
  return out;
}

// What a sign-up needs of subscriber_by_email's row (the columns of read_subscriber's).
constexpr ColumnList<2> kReaderColumns{{"id", "status"}};

struct Reader {
  Id id = 0;
  bool blocked = false;
  // The mailbox's reader was removed by the publisher: only a confirmed sign-up (the
  // reader's own, fresh consent) brings them back, whatever the newsletter's opt-in.
  bool suppressed = false;
};

// Finds the reader by address or creates them. A known reader is left as they are: an
// anonymous sign-up proves nothing about who owns the address, so its name and time
// zone (which would reach the To: header and the hour of the reader's briefing) change
// only through the reader's own preferences link or an editor.
Result<Reader> find_or_create_reader(const SignupTx& tx, const SignupRequest& r) {
  std::optional<Reader> known;
  const std::string key = tx.keys.of(r.email);
  {
    Query q(tx.db, tx.sql.subscriber_by_email);
    q.columns(kReaderColumns).bind_text(1, key);
    auto row = q.step();
    if (!row) return row.error();
    if (*row) {
      known = Reader{
          q.int_of(kReaderColumns["id"]),
          subscriber_status_from(q.text_of(kReaderColumns["status"])) == SubscriberStatus::blocked};
      if (auto s = q.run(); !s) return s.error();
    }
  }
  if (known) return *known;
  auto suppressed = is_suppressed(tx.db, tx.sql, key);
  if (!suppressed) return suppressed.error();
  Query q(tx.db, tx.sql.insert_subscriber);
  q.bind_text(1, r.email)
      .bind_text(2, r.email_display)
      .bind_text(3, r.name)
      .bind_text(4, r.timezone)
      .bind_text(5, to_string(SubscriberStatus::active))
      .bind_int(6, tx.now)
      .bind_text(7, key);
  Reader created;
  created.suppressed = *suppressed;
  Status s = q.returning_row("insert_subscriber returned no id", [&] { created.id = q.int_at(0); });
  if (!s) return s.error();
  return created;
}

Status record_consent(const SignupTx& tx, Id subscriber_id, std::optional<Id> newsletter_id,
                      std::string_view kind, bool granted, const SignupRequest& r) {
  Query q(tx.db, tx.sql.insert_consent);
  q.bind_int(1, subscriber_id)
      .bind_opt_int(2, newsletter_id)
      .bind_text(3, r.consent_version)
      .bind_text(4, kind)
      .bind_bool(5, granted)
      .bind_text(6, r.source_page)
      .bind_text(7, r.client_address)
      .bind_int(8, tx.now);
  return q.run();
}

// Applies the sign-up to one subscription and notes the result in `out`.
Status subscribe(const SignupTx& tx, Id subscriber_id, const SignupNewsletter& n,
                 const SignupRequest& r, SignupOutcome& out) {
  std::optional<SubscriptionStatus> current;
  std::optional<UnixSeconds> last_sent;
  {
    Query q(tx.db, tx.sql.subscription_state);
    q.bind_int(1, subscriber_id).bind_int(2, n.id);
    auto row = q.step();
    if (!row) return row.error();
    if (*row) {
      // The CHECK on the column admits only the values the parser knows.
      current = subscription_status_from(q.text_at(0)).value_or(SubscriptionStatus::unconfirmed);
      last_sent = q.opt_int_at(1);
      if (auto s = q.run(); !s) return s;
    }
  }
  const SignupStep step = plan_signup(current, last_sent, n.opt_in, r.resend_after);
  if (step.set_to) {
    const std::string source = fmt::format("{}{}", kSourcePrefix, r.source_page);
    Query q(tx.db, tx.sql.upsert_subscription);
    q.bind_int(1, subscriber_id)
        .bind_int(2, n.id)
        .bind_text(3, to_string(*step.set_to))
        .bind_text(4, source)
        .bind_int(5, tx.now);
    if (auto s = q.run(); !s) return s;
    if (*step.set_to == SubscriptionStatus::confirmed) out.confirmed_now.push_back(n.id);
  }
  if (step.confirmation_due) {
    Query q(tx.db, tx.sql.stamp_confirmation_sent);
    q.bind_int(1, subscriber_id).bind_int(2, n.id).bind_int(3, tx.now);
    if (auto s = q.run(); !s) return s;
    out.confirmation_due.push_back(n.id);
  }
  return record_consent(tx, subscriber_id, n.id, kConsentNewsletter, true, r);
}

// Queues the emails the sign-up made due: one confirmation for every newsletter that
// awaits it, and the welcome email of each newsletter confirmed at once.
Status queue_emails(const SignupTx& tx, SignupOutcome& out) {
  if (!out.confirmation_due.empty()) {
    if (auto s =
            enqueue_confirmation(tx.db, tx.sql, out.subscriber_id, out.confirmation_due, tx.now);
        !s) {
      return s;
    }
    ++out.emails_queued;
  }
  for (Id id : out.confirmed_now) {
    auto queued = enqueue_welcome(tx.db, tx.sql, out.subscriber_id, id, tx.now);
    if (!queued) return queued.error();
    if (*queued) ++out.emails_queued;
  }
  return {};
}

Status audit_signup(const SignupTx& tx, const SignupOutcome& out, const SignupRequest& r,
                    std::string_view action = "signup") {
  const std::string actor =
      out.subscriber_id == 0 ? std::string("anonymous") : fmt::format("reader:{}", out.subscriber_id);
  Query q(tx.db, tx.sql.insert_audit);
  q.bind_int(1, tx.now)
      .bind_text(2, actor)
      .bind_text(3, action)
      .bind_text(4, r.email)
      .bind_text(5, r.audit_detail);
  return q.run();
}

// Whether the address is on the suppression list by a bounce, a complaint or the
// publisher: a sign-up from it records nothing and sends nothing.
Result<bool> mailbox_held_back(const SignupTx& tx, const SignupRequest& r) {
  const std::string key = tx.keys.of(r.email);
  Query q(tx.db, tx.sql.mailbox_held_back);
  q.bind_text(1, key);
  bool held = false;
  if (auto s = q.each_row([&] { held = true; }); !s) return s.error();
  return held;
}

// One sign-up, inside the group's transaction and its own savepoint.
Result<SignupOutcome> run_signup(const SignupTx& tx, const SignupRequest& r) {
  if (!r.challenge_id.empty()) {
    Query q(tx.db, tx.sql.spend_challenge);
    q.bind_text(1, r.challenge_id).bind_int(2, r.challenge_expires_at).bind_int(3, tx.now);
    bool newly_spent = false;
    if (auto s = q.each_row([&] { newly_spent = true; }); !s) return s.error();
    if (!newly_spent) {  // a replayed proof of work: nothing is written
      SignupOutcome replayed;
      replayed.challenge_spent_before = true;
      return replayed;
    }
  }
  auto newsletters = signup_newsletters(tx, r);
  if (!newsletters) return newsletters.error();
  auto held_back = mailbox_held_back(tx, r);
  if (!held_back) return held_back.error();
  if (*held_back) {
    SignupOutcome refused;
    refused.suppressed = true;
    if (auto s = audit_signup(tx, refused, r, "signup.suppressed"); !s) return s.error();
    return refused;
  }
  auto reader = find_or_create_reader(tx, r);
  if (!reader) return reader.error();
  SignupOutcome out;
  out.subscriber_id = reader->id;
  out.blocked = reader->blocked;
  if (!out.blocked) {
    for (SignupNewsletter n : *newsletters) {
      if (reader->suppressed) n.opt_in = OptIn::double_opt_in;
      if (auto s = subscribe(tx, reader->id, n, r, out); !s) return s.error();
    }
    if (auto s = record_consent(tx, reader->id, std::nullopt, kConsentMarketing, r.marketing, r);
        !s) {
      return s.error();
    }
    if (auto s = queue_emails(tx, out); !s) return s.error();
  }
  if (auto s = audit_signup(tx, out, r); !s) return s.error();
  return out;
}

}  // namespace

Result<SignupOutcome> SqliteStore::record_signup(const SignupRequest& r) {
  if (r.newsletter_ids.empty() && r.newsletter_slugs.empty()) {
    return make_error(Errc::invalid_argument, "a sign-up must name at least one newsletter");
  }
  // Checked here, not only in hold(): the caller may end up leading others' requests.
  if (auto s = refuse_importer(); !s) return s.error();
  return signups_.submit(r, [this](SignupGroup::Batch batch) {
    if (commit_signups(batch)) mail_queued();
  });
}

bool SqliteStore::commit_signups(SignupGroup::Batch batch) {
  auto fail_all = [&](const Error& e) {
    for (auto* job : batch) job->outcome = failed_to("record sign-ups", e);
    return false;
  };
  auto h = hold();
  if (!h) return fail_all(h.error());
  Transaction group(db(), sql().commit, sql().rollback);
  if (auto s = group.begin(sql().begin_immediate); !s) return fail_all(s.error());

  const SignupTx tx{db(), sql(), clock_.now(), keys_};
  bool queued_mail = false;
  for (auto* job : batch) {
    if (auto s = Query(db(), sql().savepoint_request).run(); !s) return fail_all(s.error());
    auto outcome = run_signup(tx, job->request);
    if (outcome) {
      queued_mail = queued_mail || outcome->emails_queued > 0;
      job->outcome = std::move(outcome);
    } else {
      // SQLite abandons the whole transaction itself on some errors (a full disk, I/O),
      // and with it the requests before this one.
      if (sqlite3_get_autocommit(db())) return fail_all(outcome.error());
      if (auto s = Query(db(), sql().rollback_to_request).run(); !s) return fail_all(s.error());
      job->outcome =
          failed_to(fmt::format("record the sign-up of '{}'", job->request.email), outcome.error());
    }
    // ROLLBACK TO keeps the savepoint open; RELEASE ends it either way.
    if (auto s = Query(db(), sql().release_request).run(); !s) return fail_all(s.error());
  }
  if (auto s = group.commit(); !s) return fail_all(s.error());
  return queued_mail;
}

// The robot checks spent by sign-ups (run_signup) that have expired. An id whose row has
// expired counts as new to a sign-up anyway (the spend_challenge query takes it over).
Status SqliteStore::purge_spent_challenges(UnixSeconds now) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().purge_spent_challenges);
  q.bind_int(1, now);
  if (auto s = q.run(); !s) return failed_to("purge spent robot-check challenges", s.error());
  return {};
}

}  // namespace broadsheet::store::sqlite
