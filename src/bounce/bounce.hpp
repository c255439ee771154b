// The inbound processor: one mail that came back to Broadsheet (a bounce, a complaint,
// an auto-reply, an unsubscribe mail) in, its events kept and the policy applied out.
// Every way in calls process() with the raw message: `broadsheet bounce process`
// today, the LMTP listener and the mailbox poller later.
//
// What it understands, parsed with GMime:
//   - DSNs (RFC 3464, multipart/report; report-type=delivery-status): per recipient,
//     Action failed with Status 5.x.x is hard, 4.x.x soft; delayed and delivered
//     reports are ignored;
//   - ARF complaints (RFC 5965, report-type=feedback-report): a complaint, except
//     Feedback-Type not-spam (ignored);
//   - unsubscribe mail to the mailto: of List-Unsubscribe: the reader's unsubscribe
//     token in the subject (send/issue_messages.cpp writes it there);
//   - auto-replies and out-of-office (Auto-Submitted, X-Autoreply, X-Autorespond,
//     Precedence, subject shapes): ignored, not bounces;
//   - other bounces (from MAILER-DAEMON or postmaster, or shaped like one): best effort,
//     hard unless a 4.x.x status or 4xx reply is found.
// Which delivery it is about: the VERP return path "bounce+TOKEN@" (links/token.hpp)
// in the envelope recipient headers (Delivered-To, X-Original-To, Envelope-To, To) or
// in the returned original headers, else the original's X-Broadsheet-Delivery or
// List-Unsubscribe token.
//
// It trusts nothing in the message until a token's HMAC verifies: a message naming no
// verified delivery is ignored and changes nothing. Bounded: messages over
// Limits::max_bytes, with more than Limits::max_parts parts or nested deeper than
// Limits::max_depth are ignored; nothing is rendered or executed. The same event twice
// is kept once (store::BounceEvent::fingerprint).
//
// Config: `[bounce]` (hard_suppresses, soft_limit, soft_window_days,
// complaint_unsubscribes, max_message_bytes). Fails only when the store does
// (Errc::database, Errc::busy...: the caller tells the sender to try again later).
// Thread-safety: analyse() and process() are safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/bounces.hpp"

namespace broadsheet::bounce {

struct Limits {
  std::size_t max_bytes = 10 << 20;
  int max_depth = 8;
  int max_parts = 64;
};

// One event the message tells, about a delivery whose token verified.
struct Finding {
  store::BounceKind kind = store::BounceKind::hard;
  Id subscriber_id = 0;
  std::optional<Id> issue_id;   // a copy of an issue
  std::optional<Id> mail_id;    // a confirmation or welcome email (mail queue row)
  Id newsletter_id = 0;         // unsubscribe: the newsletter named by the token
  std::string recipient;        // as the report names it
  std::string status;           // raw status and diagnostic
  std::string source;           // dsn, verp, arf, mailto, or a provider's name
  // Set when the delivery is known only by address (a provider's event without a token):
  // the provider's id of the event, so two events about one reader are two, one event
  // sent twice is one.
  std::string reference;
};

struct Analysis {
  std::vector<Finding> findings;
  // When there is nothing to record: why, in a few words ("auto-reply", "delivery
  // delayed", "no delivery named", "too large", ...).
  std::string ignored;
};

// Reads `raw` (an RFC 5322 message) within `limits`; tokens checked under `link_key`.
Analysis analyse(std::string_view raw, std::string_view link_key, const Limits& limits);

struct Settings {
  std::string link_key;
  store::BouncePolicy policy;
  Limits limits;
};
Settings settings_from(const Config& config, std::string link_key);

struct Outcome {
  std::size_t recorded = 0, duplicates = 0;
  std::vector<std::string> actions;  // per finding recorded: "hard bounce of reader 3: suppressed"
  std::string ignored;               // set when nothing was found to record
  // One line for the log or the MTA: "handled: ..." or "ignored: ...".
  std::string summary() const;
};

// analyse(), then each finding kept through `bounces` at `now`. A finding about a
// reader who is gone is counted as ignored.
Result<Outcome> process(std::string_view raw, store::Bounces& bounces, const Settings& settings,
                        UnixSeconds now);

// Records each finding of `analysis` through `bounces` at `now`: the one path every way
// in (mail, provider webhooks) keeps events by, so one event reported twice, or by mail
// and by a webhook, counts once (same kind, reader and copy: same fingerprint).
Result<Outcome> record(const Analysis& analysis, store::Bounces& bounces,
                       const store::BouncePolicy& policy, UnixSeconds now);

// The delivery a verified token in `text` names (a VERP return path "bounce+TOKEN", or
// an X-Broadsheet-Delivery token), as a finding with subscriber_id, issue_id or mail_id
// and source set; nullopt when no token in it verifies under `link_key`.
std::optional<Finding> delivery_in(std::string_view text, std::string_view link_key);

// broadsheet_bounces_total{kind="hard|soft|complaint|unsubscribe"} in Prometheus text,
// from the totals the store keeps with the events (so events processed by any process
// count, and a scrape reads four rows, not the event table); "" when the store cannot
// be read.
std::string metrics_text(store::Bounces& bounces);

}  // namespace broadsheet::bounce
