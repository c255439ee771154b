// PostgreSQL backend of the Store: a reader's sign-up, confirming and unsubscribing
// (store/signups.hpp), as sqlite/sqlite_signup.cpp and sqlite_subscribers.cpp have them;
// the SQL in queries/signups.sql and queries/readers.sql.
//
// A sign-up is one transaction on a pooled connection of its own: the server batches
// concurrent commits itself, so there is no group commit here. It is acknowledged only
// once committed, and the emails it makes due (queued in the mail queue) and its audit
// entry are in the same transaction: all or nothing. What a sign-up does to each
// subscription is decided by plan_signup() (store/signup_plan.hpp) alone.
//
// Several web nodes take sign-ups at once: the reader's row is locked for the
// transaction (signup_reader), and a reader created by another node at the same moment
// is waited for rather than refused (insert_signup_subscriber), so sign-ups of one
// reader decide one after the other and none is lost or counted twice.
#include <fmt/format.h>

#include <optional>
#include <unordered_set>
#include <utility>

#include "store/postgres/pg_mail_queue.hpp"
#include "store/postgres/pg_readers.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"
#include "store/signup_plan.hpp"

namespace broadsheet::store::postgres {
namespace {

constexpr std::string_view kSignupSourcePrefix = "signup:";  // then the page of the form
constexpr std::string_view kConsentNewsletter = "newsletter";
constexpr std::string_view kConsentMarketing = "marketing";

// The sign-up's transaction, as its steps see it.
struct SignupTx {
  Connection& c;
  UnixSeconds now;
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
    Query q(tx.c, "newsletter_opt_in");
    q.bind_int(1, id);
    if (auto s = q.expect_row(fmt::format("no newsletter with id {}", id)); !s) return s.error();
    out.push_back({id, opt_in(q, 0)});
  }
  for (const std::string& slug : r.newsletter_slugs) {
    Query q(tx.c, "public_newsletter_opt_in");
    q.bind_text(1, slug);
    if (auto s = q.expect_row(fmt::format("no public newsletter '{}'", slug)); !s) return s.error();
    SignupNewsletter n{q.int_at(0), opt_in(q, 1)};
    if (seen.insert(n.id).second) out.push_back(n);
  }
  return out;
}

struct SignupReader {
  Id id = 0;
  bool blocked = false;
  // The mailbox's reader was removed by the publisher: only a confirmed sign-up (the
  // reader's own, fresh consent) brings them back, whatever the newsletter's opt-in.
  bool suppressed = false;
};

// The reader of the address, locked; nothing when there is none.
Result<std::optional<SignupReader>> lock_reader(const SignupTx& tx, const std::string& key) {
  Query q(tx.c, "signup_reader");
  q.bind_text(1, key);
  auto row = q.step();
  if (!row) return row.error();
  if (!*row) return std::optional<SignupReader>{};
  SignupReader known;
  known.id = q.int_at(0);
  known.blocked = subscriber_status_from(q.text_at(1)) == SubscriberStatus::blocked;
  return std::optional<SignupReader>{known};
}

// Finds the reader by address or creates them. A known reader is left as they are: an
// anonymous sign-up proves nothing about who owns the address, so its name and time
// zone change only through the reader's own preferences link or an editor.
Result<SignupReader> find_or_create_reader(const SignupTx& tx, const SignupRequest& r) {
  const std::string key = tx.keys.of(r.email);
  auto known = lock_reader(tx, key);
  if (!known) return known.error();
  if (*known) return **known;
  auto suppressed = is_suppressed(tx.c, key);
  if (!suppressed) return suppressed.error();
  Query q(tx.c, "insert_signup_subscriber");
  q.bind_text(1, r.email)
      .bind_text(2, r.email_display)
      .bind_text(3, r.name)
      .bind_text(4, r.timezone)
      .bind_text(5, to_string(SubscriberStatus::active))
      .bind_int(6, tx.now)
      .bind_text(7, key);
  auto row = q.step();
  if (!row) return row.error();
  if (*row) {
    SignupReader created;
    created.id = q.int_at(0);
    created.suppressed = *suppressed;
    return created;
  }
  // Another node created the reader meanwhile and has committed: theirs it is.
  auto theirs = lock_reader(tx, key);
  if (!theirs) return theirs.error();
  if (!*theirs) {
    return make_error(Errc::conflict,
                      fmt::format("a subscriber with email '{}' already exists", r.email));
  }
  return **theirs;
}

Status record_consent(const SignupTx& tx, Id subscriber_id, std::optional<Id> newsletter_id,
                      std::string_view kind, bool granted, const SignupRequest& r) {
  Query q(tx.c, "insert_consent");
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
    Query q(tx.c, "subscription_state");
    q.bind_int(1, subscriber_id).bind_int(2, n.id);
    auto row = q.step();
    if (!row) return row.error();
    if (*row) {
      // The CHECK on the column admits only the values the parser knows.
      current = subscription_status_from(q.text_at(0)).value_or(SubscriptionStatus::unconfirmed);
      last_sent = q.opt_int_at(1);
    }
  }
  const SignupStep step = plan_signup(current, last_sent, n.opt_in, r.resend_after);
  if (step.set_to) {
    const std::string source = fmt::format("{}{}", kSignupSourcePrefix, r.source_page);
    Query q(tx.c, "upsert_subscription");
    q.bind_int(1, subscriber_id)
        .bind_int(2, n.id)
        .bind_text(3, to_string(*step.set_to))
        .bind_text(4, source)
        .bind_int(5, tx.now);
    if (auto s = q.run(); !s) return s;
    if (*step.set_to == SubscriptionStatus::confirmed) out.confirmed_now.push_back(n.id);
  }
  if (step.confirmation_due) {
    Query q(tx.c, "stamp_confirmation_sent");
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
    if (auto s = enqueue_confirmation(tx.c, out.subscriber_id, out.confirmation_due, tx.now); !s) {
      return s;
    }
    ++out.emails_queued;
  }
  for (Id id : out.confirmed_now) {
    auto queued = enqueue_welcome(tx.c, out.subscriber_id, id, tx.now);
    if (!queued) return queued.error();
    if (*queued) ++out.emails_queued;
  }
  return {};
}

Status audit_signup(const SignupTx& tx, const SignupOutcome& out, const SignupRequest& r,
                    std::string_view action = "signup") {
  const std::string actor = out.subscriber_id == 0 ? std::string("anonymous")
                                                   : fmt::format("reader:{}", out.subscriber_id);
  Query q(tx.c, "insert_signup_audit");
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
  Query q(tx.c, "mailbox_held_back");
  q.bind_text(1, tx.keys.of(r.email));
  bool held = false;
  if (auto s = q.each_row([&] { held = true; }); !s) return s.error();
  return held;
}

// One sign-up, inside its transaction.
Result<SignupOutcome> run_signup(const SignupTx& tx, const SignupRequest& r) {
  if (!r.challenge_id.empty()) {
    Query q(tx.c, "spend_challenge");
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

Result<SignupOutcome> PgStore::record_signup(const SignupRequest& r) {
  if (r.newsletter_ids.empty() && r.newsletter_slugs.empty()) {
    return make_error(Errc::invalid_argument, "a sign-up must name at least one newsletter");
  }
  auto outcome = [&]() -> Result<SignupOutcome> {
    auto c = lease();
    if (!c) return c.error();
    Transaction tx(**c);
    if (auto s = tx.begin(); !s) return failed_to("record sign-ups", s.error());
    auto out = run_signup(SignupTx{**c, clock_.now(), keys_}, r);
    if (!out) {
      return failed_to(fmt::format("record the sign-up of '{}'", r.email), out.error());
    }
    if (auto s = tx.commit(); !s) return failed_to("record sign-ups", s.error());
    return out;
  }();
  if (outcome && outcome->emails_queued > 0) notify_mail();
  return outcome;
}

// The confirmation and the welcome emails it makes due are one transaction: a
// confirmed reader is never left without the welcome. The UPDATE takes the rows'
// locks, so a second node confirming the same reader at once finds nothing pending.
Result<std::vector<Id>> PgStore::confirm(Id subscriber_id, Id newsletter_id) {
  bool queued_mail = false;
  auto confirmed = [&]() -> Result<std::vector<Id>> {
    auto fail = [&](const Error& e) {
      return failed_to(fmt::format("confirm subscriber {}", subscriber_id), e);
    };
    auto c = lease();
    if (!c) return c.error();
    const UnixSeconds now = clock_.now();
    Transaction tx(**c);
    if (auto s = tx.begin(); !s) return fail(s.error());
    Result<std::vector<Id>> changed = std::vector<Id>{};
    {
      Query q(**c, "confirm_subscriptions");
      q.bind_int(1, subscriber_id).bind_int(2, newsletter_id).bind_int(3, now);
      changed = changed_newsletters(q, **c, subscriber_id);
    }
    if (!changed) return fail(changed.error());
    // A confirmed sign-up is the reader's fresh consent: a suppression left by an
    // earlier removal of the mailbox ends with it.
    if (!changed->empty()) {
      if (auto s = lift_suppression(**c, subscriber_id); !s) return fail(s.error());
    }
    for (Id id : *changed) {
      auto queued = enqueue_welcome(**c, subscriber_id, id, now);
      if (!queued) return fail(queued.error());
      queued_mail = queued_mail || *queued;
    }
    if (auto s = tx.commit(); !s) return fail(s.error());
    return changed;
  }();
  if (confirmed && queued_mail) notify_mail();
  return confirmed;
}

Result<std::vector<Id>> PgStore::unsubscribe(Id subscriber_id, Id newsletter_id,
                                             const std::string& source) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "unsubscribe_subscriptions");
  q.bind_int(1, subscriber_id)
      .bind_int(2, newsletter_id)
      .bind_int(3, clock_.now())
      .bind_text(4, source);
  auto changed = changed_newsletters(q, **c, subscriber_id);
  if (!changed) {
    return failed_to(fmt::format("unsubscribe subscriber {}", subscriber_id), changed.error());
  }
  return changed;
}

// The robot checks spent by sign-ups that have expired. An id whose row has expired
// counts as new to a sign-up anyway (spend_challenge takes it over).
Status PgStore::purge_spent_challenges(UnixSeconds now) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "purge_spent_challenges");
  q.bind_int(1, now);
  if (auto s = q.run(); !s) return failed_to("purge spent robot-check challenges", s.error());
  return {};
}

}  // namespace broadsheet::store::postgres
