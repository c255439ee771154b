#include "bounce/bounce.hpp"

#include <fmt/format.h>

#include <cctype>

#include "bounce/message.hpp"
#include "core/encoding.hpp"
#include "links/token.hpp"

namespace broadsheet::bounce {
namespace {

using detail::field;
using detail::InboundMessage;

constexpr std::size_t kMaxRecipients = 100;
constexpr std::size_t kReturnTokenChars = 54;
constexpr std::size_t kLinkTokenChars = 56;

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t j = 0;
    while (j < needle.size() &&
           std::tolower(static_cast<unsigned char>(hay[i + j])) == needle[j]) {
      ++j;
    }
    if (j == needle.size()) return true;
  }
  return false;
}

bool istarts(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && icontains(s.substr(0, prefix.size()), prefix);
}

// Who a delivery token names.
struct Named {
  Id subscriber_id = 0;
  std::optional<Id> issue_id, mail_id;
  std::string source;
};

// The first "bounce+TOKEN" in `text` whose token verifies.
std::optional<Named> return_token_in(std::string_view text, std::string_view key) {
  static constexpr std::string_view kPrefix = links::kReturnPrefix;
  std::size_t from = 0;
  for (int tries = 0; tries < 64; ++tries) {
    std::size_t at = std::string_view::npos;
    for (std::size_t i = from; i + kPrefix.size() <= text.size(); ++i) {
      if (icontains(text.substr(i, kPrefix.size()), kPrefix)) {
        at = i;
        break;
      }
    }
    if (at == std::string_view::npos) return std::nullopt;
    from = at + kPrefix.size();
    std::string_view token = text.substr(from, kReturnTokenChars);
    if (token.size() != kReturnTokenChars) return std::nullopt;
    auto claims = links::verify_return_token(token, key);
    if (!claims) continue;
    Named n;
    n.subscriber_id = claims->subscriber_id;
    if (claims->kind == links::ReturnKind::issue) n.issue_id = claims->ref;
    else n.mail_id = claims->ref;
    n.source = "verp";
    return n;
  }
  return std::nullopt;
}

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// Runs of exactly `length` base64url characters in `text`, at most `max`.
std::vector<std::string_view> token_runs(std::string_view text, std::size_t length,
                                         std::size_t max) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size() && out.size() < max) {
    if (!token_char(text[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && token_char(text[j])) ++j;
    if (j - i == length) out.push_back(text.substr(i, length));
    i = j;
  }
  return out;
}

// X-Broadsheet-Delivery "ISSUE.SUBSCRIBER.TOKEN" in returned headers: the token alone
// carries both ids.
std::optional<Named> delivery_header_in(std::string_view text, std::string_view key) {
  for (auto token : token_runs(text, kLinkTokenChars, 32)) {
    auto claims = links::verify_token(token, links::TokenPurpose::delivery, key, 0);
    if (!claims) continue;
    Named n;
    n.subscriber_id = claims->subscriber_id;
    n.issue_id = claims->newsletter_id;
    n.source = "header";
    return n;
  }
  return std::nullopt;
}

// The reader's unsubscribe token (List-Unsubscribe's mailto: subject or /u/ link).
std::optional<links::TokenClaims> unsubscribe_token_in(std::string_view text,
                                                       std::string_view key) {
  for (auto token : token_runs(text, kLinkTokenChars, 32)) {
    auto claims = links::verify_token(token, links::TokenPurpose::unsubscribe, key, 0);
    if (claims) return *claims;
  }
  return std::nullopt;
}

std::optional<Named> delivery_named(const InboundMessage& m, std::string_view key) {
  if (auto n = return_token_in(m.envelope_recipients, key)) return n;
  if (auto n = return_token_in(m.original_headers, key)) return n;
  if (auto n = delivery_header_in(m.original_headers, key)) return n;
  if (auto n = return_token_in(m.text, key)) return n;
  if (auto n = delivery_header_in(m.text, key)) return n;
  return std::nullopt;
}

Finding finding_for(const Named& n, store::BounceKind kind, std::string source) {
  Finding f;
  f.kind = kind;
  f.subscriber_id = n.subscriber_id;
  f.issue_id = n.issue_id;
  f.mail_id = n.mail_id;
  f.source = std::move(source);
  return f;
}

// A status code "4.x.x" or "5.x.x" at the start of `s` or after a space.
std::string status_code_in(std::string_view s) {
  for (std::size_t i = 0; i + 5 <= s.size(); ++i) {
    if ((s[i] != '4' && s[i] != '5') || s[i + 1] != '.') continue;
    if (i > 0 && !std::isspace(static_cast<unsigned char>(s[i - 1])) && s[i - 1] != '#' &&
        s[i - 1] != '(' && s[i - 1] != '=') {
      continue;
    }
    std::size_t j = i + 2;
    std::size_t digits = 0;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j, ++digits;
    if (digits == 0 || j >= s.size() || s[j] != '.') continue;
    ++j;
    std::size_t tail = 0;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j, ++tail;
    if (tail == 0) continue;
    return std::string(s.substr(i, j - i));
  }
  return {};
}

// A 4xx or 5xx SMTP reply code at the start of a line: "550 " or "550-".
char reply_class_in(std::string_view s) {
  for (std::size_t i = 0; i + 4 <= s.size(); ++i) {
    if (i > 0 && s[i - 1] != '\n' && s[i - 1] != ' ') continue;
    if ((s[i] == '4' || s[i] == '5') && std::isdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isdigit(static_cast<unsigned char>(s[i + 2])) && (s[i + 3] == ' ' || s[i + 3] == '-')) {
      return s[i];
    }
  }
  return 0;
}

std::string one_line(std::string s, std::size_t max = 300) {
  for (char& c : s) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  if (s.size() > max) s.resize(max);
  return s;
}

Analysis from_dsn(const InboundMessage& m, std::string_view key) {
  Analysis a;
  auto named = delivery_named(m, key);
  bool delayed = false;
  for (const auto& report : m.reports) {
    auto blocks = detail::header_blocks(report, kMaxRecipients + 1);
    for (std::size_t i = 1; i < blocks.size(); ++i) {  // block 0: per message
      const auto& r = blocks[i];
      const std::string action = field(r, "action");
      std::string status = field(r, "status");
      if (icontains(action, "delayed")) delayed = true;
      if (!icontains(action, "failed")) continue;
      if (!named) {
        a.ignored = "no delivery named (no return path that verifies)";
        return a;
      }
      Finding f = finding_for(*named, status.starts_with('4') ? store::BounceKind::soft
                                                              : store::BounceKind::hard,
                              "dsn");
      f.recipient = one_line(field(r, "final-recipient"), 200);
      const std::string diagnostic = field(r, "diagnostic-code");
      f.status = one_line(diagnostic.empty() ? status : status + " " + diagnostic);
      a.findings.push_back(std::move(f));
      return a;  // one recipient per return path: the first failure is the delivery's
    }
  }
  a.ignored = delayed ? "delivery delayed (still being tried)" : "no failed recipient";
  return a;
}

Analysis from_arf(const InboundMessage& m, std::string_view key) {
  Analysis a;
  std::string type;
  if (!m.reports.empty()) {
    auto blocks = detail::header_blocks(m.reports.front(), 2);
    if (!blocks.empty()) type = field(blocks.front(), "feedback-type");
  }
  if (icontains(type, "not-spam")) {
    a.ignored = "feedback report of type not-spam";
    return a;
  }
  auto named = delivery_named(m, key);
  if (!named) {
    if (auto u = unsubscribe_token_in(m.original_headers, key)) {
      named = Named{u->subscriber_id, std::nullopt, std::nullopt, "list-unsubscribe"};
    }
  }
  if (!named) {
    a.ignored = "complaint naming no delivery (no token that verifies)";
    return a;
  }
  Finding f = finding_for(*named, store::BounceKind::complaint, "arf");
  f.status = one_line(type.empty() ? "abuse" : type);
  a.findings.push_back(std::move(f));
  return a;
}

bool auto_reply(const InboundMessage& m) {
  if (!m.auto_submitted.empty() && !m.auto_submitted.starts_with("no")) return true;
  if (m.autoreply_header) return true;
  if (m.precedence == "auto_reply" || m.precedence == "junk" || m.precedence == "bulk") return true;
  for (std::string_view shape : {"auto:", "automatic reply", "autoreply", "auto-reply",
                                 "out of office", "out of the office", "abwesenheitsnotiz",
                                 "away from"}) {
    if (istarts(m.subject, shape)) return true;
  }
  return icontains(m.subject, "out of office") || icontains(m.subject, "auto-reply") ||
         icontains(m.subject, "autoreply") || icontains(m.subject, "vacation");
}

bool shaped_like_bounce(const InboundMessage& m) {
  for (std::string_view who : {"mailer-daemon", "postmaster"}) {
    if (icontains(m.from, who)) return true;
  }
  for (std::string_view shape : {"undeliver", "delivery status notification", "delivery failure",
                                 "mail delivery failed", "failure notice", "returned mail",
                                 "delivery has failed", "could not be delivered"}) {
    if (icontains(m.subject, shape)) return true;
  }
  return false;
}

Analysis from_unsubscribe_mail(const links::TokenClaims& claims) {
  Analysis a;
  Finding f;
  f.kind = store::BounceKind::unsubscribe;
  f.subscriber_id = claims.subscriber_id;
  f.newsletter_id = claims.newsletter_id;
  f.source = "mailto";
  f.status = "unsubscribe mail";
  a.findings.push_back(std::move(f));
  return a;
}

Analysis best_effort_bounce(const InboundMessage& m, std::string_view key) {
  Analysis a;
  auto named = delivery_named(m, key);
  if (!named) {
    a.ignored = "no delivery named (no return path that verifies)";
    return a;
  }
  const std::string status = status_code_in(m.text);
  const bool soft = status.empty() ? reply_class_in(m.text) == '4' : status.starts_with('4');
  Finding f = finding_for(*named, soft ? store::BounceKind::soft : store::BounceKind::hard, "verp");
  f.status = one_line(status.empty() ? m.subject : status + " " + m.subject);
  a.findings.push_back(std::move(f));
  return a;
}

std::string fingerprint(const Finding& f) {
  std::string what =
      f.kind == store::BounceKind::unsubscribe
          ? fmt::format("unsubscribe|{}|{}", f.subscriber_id, f.newsletter_id)
          : fmt::format("{}|{}|{}|{}", store::to_string(f.kind), f.subscriber_id,
                        f.issue_id ? fmt::format("issue {}", *f.issue_id) : "",
                        f.mail_id ? fmt::format("mail {}", *f.mail_id) : "");
  if (!f.reference.empty()) what += "|ref " + f.reference;
  return sha256_hex(what);
}

}  // namespace

Analysis analyse(std::string_view raw, std::string_view link_key, const Limits& limits) {
  const InboundMessage m = detail::read_message(raw, limits);
  Analysis a;
  if (!m.over_limit.empty()) {
    a.ignored = m.over_limit;
    return a;
  }
  if (!m.parsed) {
    a.ignored = "not a message";
    return a;
  }
  if (m.report_type == "delivery-status" || m.report_type == "global-delivery-status") {
    return from_dsn(m, link_key);
  }
  if (m.report_type == "feedback-report") return from_arf(m, link_key);
  if (auto u = unsubscribe_token_in(m.subject, link_key)) return from_unsubscribe_mail(*u);
  if (auto_reply(m) && !shaped_like_bounce(m)) {
    a.ignored = "auto-reply";
    return a;
  }
  if (shaped_like_bounce(m)) return best_effort_bounce(m, link_key);
  a.ignored = "neither a bounce, a complaint nor an unsubscribe mail";
  return a;
}

std::string metrics_text(store::Bounces& bounces) {
  auto totals = bounces.bounce_totals();
  if (!totals) return {};
  std::string out =
      "# HELP broadsheet_bounces_total Inbound events kept: bounces, complaints and unsubscribe "
      "mail, by kind.\n# TYPE broadsheet_bounces_total counter\n";
  for (auto k : {store::BounceKind::hard, store::BounceKind::soft, store::BounceKind::complaint,
                 store::BounceKind::unsubscribe}) {
    auto it = totals->find(k);
    out += fmt::format("broadsheet_bounces_total{{kind=\"{}\"}} {}\n", store::to_string(k),
                       it == totals->end() ? 0 : it->second);
  }
  return out;
}

Settings settings_from(const Config& config, std::string link_key) {
  Settings s;
  s.link_key = std::move(link_key);
  s.policy.hard_suppresses = config.bounce.hard_suppresses;
  s.policy.soft_limit = config.bounce.soft_limit;
  s.policy.soft_window_seconds = config.bounce.soft_window_days * 86400;
  s.policy.complaint_unsubscribes = config.bounce.complaint_unsubscribes;
  s.limits.max_bytes = config.bounce.max_message_bytes;
  return s;
}

std::string Outcome::summary() const {
  if (recorded == 0 && duplicates == 0) return "ignored: " + ignored;
  std::string out = "handled:";
  for (const auto& a : actions) out += " " + a + ";";
  if (duplicates > 0) out += fmt::format(" {} already recorded (counted once);", duplicates);
  out.pop_back();
  return out;
}

std::optional<Finding> delivery_in(std::string_view text, std::string_view link_key) {
  auto n = return_token_in(text, link_key);
  if (!n) n = delivery_header_in(text, link_key);
  if (!n) return std::nullopt;
  return finding_for(*n, store::BounceKind::hard, n->source);
}

Result<Outcome> process(std::string_view raw, store::Bounces& bounces, const Settings& settings,
                        UnixSeconds now) {
  return record(analyse(raw, settings.link_key, settings.limits), bounces, settings.policy, now);
}

Result<Outcome> record(const Analysis& a, store::Bounces& bounces,
                       const store::BouncePolicy& policy, UnixSeconds now) {
  Outcome out;
  out.ignored = a.ignored;
  for (const auto& f : a.findings) {
    store::BounceEvent e;
    e.kind = f.kind;
    e.subscriber_id = f.subscriber_id;
    e.issue_id = f.issue_id;
    e.newsletter_id = f.newsletter_id;
    e.recipient = f.recipient;
    e.status = f.status;
    e.source = f.source;
    e.fingerprint = fingerprint(f);
    auto r = bounces.record_bounce(e, policy, now);
    if (!r) {
      if (r.error().code == Errc::not_found) {
        out.ignored = fmt::format("reader {} no longer exists", f.subscriber_id);
        continue;
      }
      return r.error();
    }
    if (r->duplicate) {
      ++out.duplicates;
      continue;
    }
    ++out.recorded;
    out.actions.push_back(fmt::format("{} {} of reader {}{}: {}", store::to_string(f.kind),
                                      f.kind == store::BounceKind::complaint ||
                                              f.kind == store::BounceKind::unsubscribe
                                          ? "mail"
                                          : "bounce",
                                      f.subscriber_id,
                                      f.issue_id ? fmt::format(" (issue {})", *f.issue_id) : "",
                                      r->action));
  }
  return out;
}

}  // namespace broadsheet::bounce
