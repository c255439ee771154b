#include "config/config.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "address/address.hpp"
#include "address/mailbox.hpp"
#include "address/mx.hpp"
#include "config/dkim_keys.hpp"
#include "config/mailbox_url.hpp"
#include "core/clock.hpp"
#include "core/ip_network.hpp"
#include "schedule/schedule.hpp"

namespace broadsheet {
namespace {

enum class Kind { string, integer, boolean };

// One configuration key: where it lives, its default (as TOML text), the comment
// written above it, and how to store and check a value of it.
struct KeyDef {
  const char* section;  // "" for the top level
  const char* key;
  Kind kind;
  const char* default_toml;
  const char* comment;
  std::int64_t min = 0, max = 0;  // integers only
  std::function<Status(Config&, const std::string&, std::int64_t, bool)> apply;
};

Status check_listen(const std::string& v) {
  auto hp = parse_listen(v);
  if (!hp) return hp.error();
  return {};
}

Status check_optional_listen(const std::string& v) {
  if (v.empty()) return {};
  return check_listen(v);
}

Status check_optional_mailbox(const std::string& v) {
  if (v.empty()) return {};
  auto url = parse_mailbox_url(v);
  if (!url) return url.error();
  return {};
}

Status check_networks(const std::string& v) {
  auto networks = parse_networks(v);
  if (!networks) return networks.error();
  return {};
}

Status check_level(const std::string& v) {
  for (const char* l : {"trace", "debug", "info", "warn", "error"}) {
    if (v == l) return {};
  }
  return make_error(Errc::invalid_argument, "must be one of trace, debug, info, warn, error");
}

Status check_database(const std::string& v) {
  if (v.rfind("sqlite:", 0) == 0 && v.size() > 7) return {};
  if (v.rfind("postgresql://", 0) == 0 || v.rfind("postgres://", 0) == 0) return {};
  return make_error(Errc::invalid_argument,
                    "must be \"sqlite:PATH\" or \"postgresql://...\"");
}

Status check_url(const std::string& v) {
  if (v.empty()) return {};
  if ((v.rfind("http://", 0) == 0 || v.rfind("https://", 0) == 0) && v.size() > 8 &&
      v.back() != '/') {
    return {};
  }
  return make_error(Errc::invalid_argument,
                    "must be an absolute http:// or https:// URL without a trailing slash");
}

Status check_timezone(const std::string& v) {
  if (schedule::is_known_timezone(v)) return {};
  if (auto spelled = schedule::canonical_timezone(v)) {
    return make_error(Errc::invalid_argument, "must be spelled \"" + *spelled + "\"");
  }
  return make_error(Errc::invalid_argument,
                    "must be a time zone of the system tzdata, e.g. \"Europe/London\", or \"UTC\"");
}

Status check_line(const std::string& v) {
  for (unsigned char c : v) {
    if (c < 0x20 && c != '\t') return make_error(Errc::invalid_argument, "must be one line");
  }
  return {};
}

template <typename Check>
auto str(std::string Config::*field, Check check) {
  return [=](Config& c, const std::string& s, std::int64_t, bool) -> Status {
    if (auto st = check(s); !st) return st;
    c.*field = s;
    return {};
  };
}

template <typename Section, typename Check>
auto str(Section Config::*section, std::string Section::*field, Check check) {
  return [=](Config& c, const std::string& s, std::int64_t, bool) -> Status {
    if (auto st = check(s); !st) return st;
    (c.*section).*field = s;
    return {};
  };
}

template <typename Section, typename Int>
auto num(Section Config::*section, Int Section::*field) {
  return [=](Config& c, const std::string&, std::int64_t n, bool) -> Status {
    (c.*section).*field = static_cast<Int>(n);
    return {};
  };
}

template <typename Section>
auto flag(Section Config::*section, bool Section::*field) {
  return [=](Config& c, const std::string&, std::int64_t, bool b) -> Status {
    (c.*section).*field = b;
    return {};
  };
}

Status check_mailbox(const std::string& v) {
  // The publisher's own address may sit on any domain it controls, reserved or not.
  address::AddressPolicy policy;
  policy.allow_special_use_domains = true;
  auto box = address::parse_mailbox(v, policy);
  if (!box) return box.error();
  return {};
}

Status check_optional_address(const std::string& v) {
  if (v.empty()) return {};
  address::AddressPolicy policy;
  policy.allow_special_use_domains = true;  // the publisher's own domain
  auto parsed = address::parse_email(v, policy);
  if (!parsed) return parsed.error();
  return {};
}

Status check_optional_domain(const std::string& v) {
  if (v.empty()) return {};
  return check_optional_address("bounce@" + v);
}

Status check_dns_servers(const std::string& v) { return address::validate_dns_servers(v); }

Status check_dkim_keys(const std::string& v) {
  auto specs = parse_dkim_key_specs(v);
  if (!specs) return specs.error();
  return {};
}

Status check_token_text(const std::string& v) {
  if (v.empty() || v.size() > 64) return make_error(Errc::invalid_argument, "must be 1 to 64 characters");
  return check_line(v);
}

Status check_client_address(const std::string& v) {
  if (v == "truncate" || v == "hash" || v == "full") return {};
  return make_error(Errc::invalid_argument, "must be truncate, hash or full");
}

Status any_text(const std::string& v) { return check_line(v); }

Status check_transport(const std::string& v) {
  if (v == "outbox" || v == "smtp") return {};
  return make_error(Errc::invalid_argument, "must be \"outbox\" or \"smtp\"");
}

Status check_tls_mode(const std::string& v) {
  if (v == "none" || v == "starttls" || v == "tls") return {};
  return make_error(Errc::invalid_argument, "must be none, starttls or tls");
}

// A host name or address as a relay is named: no spaces, controls or separators.
Status check_host(const std::string& v) {
  for (unsigned char c : v) {
    if (c <= 0x20 || c == 0x7f || c == ',' || c == '/' || c == '[' || c == ']') {
      return make_error(Errc::invalid_argument, "must be a host name or an address");
    }
  }
  return {};
}

Status check_helo_name(const std::string& v) {
  for (unsigned char c : v) {
    if (c <= 0x20 || c >= 0x7f) return make_error(Errc::invalid_argument, "must be a host name");
  }
  return {};
}

// smtp.relays: "HOST:PORT[:TLS[:WEIGHT]]" entries separated by commas; an IPv6
// address in brackets.
Status apply_relays(Config& c, const std::string& text, std::int64_t, bool) {
  std::vector<Config::Smtp::Relay> relays;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    start = comma + 1;
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) continue;
    auto bad = [&](const std::string& why) {
      return make_error(Errc::invalid_argument,
                        fmt::format("entry \"{}\": {} (expected HOST:PORT[:TLS[:WEIGHT]], e.g. "
                                    "\"mx2.example.net:587:starttls:2\")",
                                    item, why));
    };
    Config::Smtp::Relay relay;
    std::string rest;
    if (item.front() == '[') {
      auto close = item.find(']');
      if (close == std::string::npos || close + 1 >= item.size() || item[close + 1] != ':') {
        return bad("an IPv6 address is written [ADDRESS]:PORT");
      }
      relay.host = item.substr(1, close - 1);
      rest = item.substr(close + 2);
    } else {
      auto colon = item.find(':');
      if (colon == std::string::npos) return bad("no port");
      relay.host = item.substr(0, colon);
      rest = item.substr(colon + 1);
    }
    if (relay.host.empty() || !check_host(relay.host)) return bad("bad host");
    std::vector<std::string> fields;
    for (std::size_t f = 0; f <= rest.size();) {
      auto colon = rest.find(':', f);
      if (colon == std::string::npos) colon = rest.size();
      fields.push_back(rest.substr(f, colon - f));
      f = colon + 1;
    }
    if (fields.size() > 3) return bad("too many fields");
    auto number = [](const std::string& t, int lo, int hi) -> std::optional<int> {
      int n = 0;
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
      if (t.empty() || ec != std::errc() || p != t.data() + t.size() || n < lo || n > hi) {
        return std::nullopt;
      }
      return n;
    };
    auto port = number(fields[0], 1, 65535);
    if (!port) return bad("port must be 1 to 65535");
    relay.port = *port;
    if (fields.size() > 1) {
      if (!check_tls_mode(fields[1])) return bad("TLS must be none, starttls or tls");
      relay.tls = fields[1];
    }
    if (fields.size() > 2) {
      auto weight = number(fields[2], 1, 1000);
      if (!weight) return bad("weight must be 1 to 1000");
      relay.weight = *weight;
    }
    relays.push_back(std::move(relay));
  }
  c.smtp.relays = std::move(relays);
  return {};
}

const std::vector<KeyDef>& key_defs() {
  static const std::vector<KeyDef> defs = {
      {"", "database", Kind::string, "\"sqlite:broadsheet.db\"",
       "Where subscribers and issues live: \"sqlite:PATH\" (relative to this folder)\n"
       "or \"postgresql://user@host/db\".",
       0, 0, str(&Config::database, check_database)},
      {"", "secrets_dir", Kind::string, "\"secrets\"",
       "Folder of secret files (HMAC keys, DKIM keys), each readable by the owner only.", 0,
       0, str(&Config::secrets_dir, any_text)},
      {"", "database_password_file", Kind::string, "\"\"",
       "PostgreSQL only: a file (mode 0600, relative to secrets_dir) whose first line is\n"
       "the database password. Empty: libpq's own (PGPASSWORD, ~/.pgpass). Keep the\n"
       "password out of the database URL, which this file and the logs may show.",
       0, 0, str(&Config::database_password_file, any_text)},
      {"", "transport", Kind::string, "\"outbox\"",
       "How messages leave: \"outbox\" (written to DATA/outbox and shown in the admin, for\n"
       "a first run) or \"smtp\" (through the relays of the [smtp] section).",
       0, 0, str(&Config::transport, check_transport)},
      {"http", "listen", Kind::string, "\"127.0.0.1:8080\"",
       "Address and port the web server listens on.", 0, 0,
       str(&Config::http, &Config::Http::listen, check_listen)},
      {"http", "threads", Kind::integer, "0", "Worker threads; 0 means one per core.", 0, 256,
       num(&Config::http, &Config::Http::threads)},
      {"http", "header_limit", Kind::integer, "8192",
       "Largest request line plus headers, in bytes.", 1024, 1 << 20,
       num(&Config::http, &Config::Http::header_limit)},
      {"http", "body_limit", Kind::integer, "65536",
       "Largest request body on public routes, in bytes.", 0, 1 << 20,
       num(&Config::http, &Config::Http::body_limit)},
      {"http", "api_body_limit", Kind::integer, "1048576",
       "Largest request body on authenticated API routes, in bytes.", 0, 64 << 20,
       num(&Config::http, &Config::Http::api_body_limit)},
      {"http", "read_timeout", Kind::integer, "15",
       "Seconds a client has to send one whole request.", 1, 3600,
       num(&Config::http, &Config::Http::read_timeout)},
      {"http", "keepalive_timeout", Kind::integer, "60",
       "Seconds an idle keep-alive connection stays open.", 1, 3600,
       num(&Config::http, &Config::Http::keepalive_timeout)},
      {"http", "max_requests", Kind::integer, "1000",
       "Requests served on one connection before it is closed.", 1, 1000000,
       num(&Config::http, &Config::Http::max_requests)},
      {"http", "pipeline_depth", Kind::integer, "8",
       "Pipelined requests read ahead on one connection before reading pauses.", 1, 64,
       num(&Config::http, &Config::Http::pipeline_depth)},
      {"http", "handler_threads", Kind::integer, "64",
       "Threads that run request handlers, which may wait on the database; many let "
       "concurrent sign-ups share one commit.",
       1, 1024, num(&Config::http, &Config::Http::handler_threads)},
      {"http", "access_log", Kind::boolean, "true", "Log one line per request.", 0, 0,
       flag(&Config::http, &Config::Http::access_log)},
      {"http", "max_connections", Kind::integer, "0",
       "Client connections open at once; 0: as many as the open-file limit (ulimit -n)\n"
       "leaves after a reserve for the database, mail and logs, at most 10000. When\n"
       "they are all taken, idle keep-alive connections are closed to make room.",
       0, 1000000, num(&Config::http, &Config::Http::max_connections)},
      {"http", "max_connections_per_client", Kind::integer, "64",
       "Connections from one client address (an IPv6 /64) at once, and never more than\n"
       "half of max_connections; trusted proxies are not limited by it.",
       1, 1000000, num(&Config::http, &Config::Http::max_connections_per_client)},
      {"http", "trusted_proxies", Kind::string, "\"\"",
       "Reverse proxies whose X-Forwarded-For (or Forwarded) and X-Forwarded-Proto are\n"
       "believed, comma-separated addresses or blocks, e.g. \"127.0.0.1, 10.0.0.0/8\";\n"
       "empty: no one's. The client is then the right-most address that is not one of them.",
       0, 0, str(&Config::http, &Config::Http::trusted_proxies, check_networks)},
      {"publication", "name", Kind::string, "\"The Daily Broadsheet\"",
       "The publication's name, shown on pages and in emails.", 0, 0,
       str(&Config::publication, &Config::Publication::name, any_text)},
      {"publication", "tagline", Kind::string, "\"Independent news, every day\"",
       "A line under the name on public pages.", 0, 0,
       str(&Config::publication, &Config::Publication::tagline, any_text)},
      {"publication", "base_url", Kind::string, "\"\"",
       "The public address of this server, used in links in emails, e.g.\n"
       "\"https://news.example.com\"; empty: http:// and the address served on.",
       0, 0,
       str(&Config::publication, &Config::Publication::base_url, check_url)},
      {"publication", "postal_address", Kind::string,
       "\"1 Harbour Street, Springfield\"",
       "Postal address printed in every email footer (required by anti-spam laws).", 0, 0,
       str(&Config::publication, &Config::Publication::postal_address, any_text)},
      {"publication", "timezone", Kind::string, "\"UTC\"",
       "Time zone of readers who gave none, for \"local\" schedules of newsletters that\n"
       "set no default zone of their own (newsletter update --default-timezone): an\n"
       "IANA name such as \"Europe/London\", or \"UTC\".",
       0, 0, str(&Config::publication, &Config::Publication::timezone, check_timezone)},
      {"archive", "cache_bytes", Kind::integer, "33554432",
       "Bytes of rendered archive pages (issues, lists, feeds) kept in memory; 0: none.",
       0, std::int64_t{1} << 40, num(&Config::archive, &Config::Archive::cache_bytes)},
      {"mail", "from", Kind::string,
       "\"The Daily Broadsheet <newsletters@dailybroadsheet.example>\"",
       "Sender of newsletters that do not name their own (\"Name <address>\").", 0, 0,
       str(&Config::mail, &Config::Mail::from, check_mailbox)},
      {"mail", "allow_special_use_domains", Kind::boolean, "false",
       "Accept reader addresses at reserved domains (example.com, .test, .invalid ...).\n"
       "Only for testing: mail to them is never delivered.",
       0, 0, flag(&Config::mail, &Config::Mail::allow_special_use_domains)},
      {"mail", "allow_utf8_local_part", Kind::boolean, "false",
       "Accept addresses with non-ASCII characters before the @ (needs SMTPUTF8 relays).", 0,
       0, flag(&Config::mail, &Config::Mail::allow_utf8_local_part)},
      {"mail", "check_mx", Kind::boolean, "false",
       "Look up the domain's MX record at sign-up and refuse domains that cannot receive mail.",
       0, 0, flag(&Config::mail, &Config::Mail::check_mx)},
      {"mail", "dns_servers", Kind::string, "\"\"",
       "DNS servers for that check, e.g. \"127.0.0.1:53\"; empty: the system's.", 0, 0,
       str(&Config::mail, &Config::Mail::dns_servers, check_dns_servers)},
      {"mail", "unsubscribe_mailbox", Kind::string, "\"\"",
       "Address of the mailto: in List-Unsubscribe; empty: unsubscribe@ the From domain.",
       0, 0, str(&Config::mail, &Config::Mail::unsubscribe_mailbox, check_optional_address)},
      {"bounce", "domain", Kind::string, "\"\"",
       "Domain of the return path \"bounce+TOKEN@DOMAIN\" each message is sent with, where\n"
       "bounces come back; empty: the From domain. Route it to `broadsheet bounce process`.",
       0, 0, str(&Config::bounce, &Config::Bounce::domain, check_optional_domain)},
      {"bounce", "hard_suppresses", Kind::boolean, "true",
       "A hard bounce (5.x.x) suppresses the address: it is never sent to again.", 0, 0,
       flag(&Config::bounce, &Config::Bounce::hard_suppresses)},
      {"bounce", "soft_limit", Kind::integer, "3",
       "Soft bounces (4.x.x) within soft_window_days that suppress the address; 0: never.", 0,
       1000, num(&Config::bounce, &Config::Bounce::soft_limit)},
      {"bounce", "soft_window_days", Kind::integer, "14", "Days soft bounces are counted over.",
       1, 365, num(&Config::bounce, &Config::Bounce::soft_window_days)},
      {"bounce", "complaint_unsubscribes", Kind::boolean, "true",
       "A complaint (a feedback-loop report) unsubscribes the reader from every newsletter\n"
       "and suppresses the address.",
       0, 0, flag(&Config::bounce, &Config::Bounce::complaint_unsubscribes)},
      {"bounce", "max_message_bytes", Kind::integer, "10485760",
       "Largest inbound message (a bounce, report or unsubscribe mail) read; larger ones are\n"
       "ignored.",
       1024, 1 << 30, num(&Config::bounce, &Config::Bounce::max_message_bytes)},
      {"inbound", "listen", Kind::string, "\"\"",
       "Address and port of serve's LMTP/SMTP listener for bounces and unsubscribe mail, which\n"
       "the publisher's MTA relays the bounce domain to (e.g. \"127.0.0.1:2525\"); empty: off.",
       0, 0, str(&Config::inbound, &Config::Inbound::listen, check_optional_listen)},
      {"inbound", "max_connections", Kind::integer, "16",
       "Sessions the inbound listener serves at once; more are told 421 (try later).", 1, 1000,
       num(&Config::inbound, &Config::Inbound::max_connections)},
      {"inbound", "timeout", Kind::integer, "60",
       "Seconds the inbound listener waits for each command or line of a message.", 1, 3600,
       num(&Config::inbound, &Config::Inbound::timeout)},
      {"inbound", "mailbox", Kind::string, "\"\"",
       "A mailbox serve polls for bounces and unsubscribe mail, over TLS:\n"
       "\"imaps://USER@HOST[:PORT][/FOLDER]\" (993, INBOX) or \"pop3s://USER@HOST[:PORT]\" (995);\n"
       "the messages it handled are deleted. Plain imap:// and pop3:// are refused. Empty: off.",
       0, 0, str(&Config::inbound, &Config::Inbound::mailbox, check_optional_mailbox)},
      {"inbound", "mailbox_password_file", Kind::string, "\"\"",
       "File in secrets_dir whose first line is the mailbox's password (mode 0600); required\n"
       "with inbound.mailbox.",
       0, 0, str(&Config::inbound, &Config::Inbound::mailbox_password_file, any_text)},
      {"inbound", "mailbox_ca_file", Kind::string, "\"\"",
       "PEM file of the roots the mailbox server's certificate must chain to, relative to the\n"
       "data folder; empty: the system's.",
       0, 0, str(&Config::inbound, &Config::Inbound::mailbox_ca_file, any_text)},
      {"inbound", "poll_interval", Kind::integer, "60",
       "Seconds between two polls of inbound.mailbox.", 1, 86400,
       num(&Config::inbound, &Config::Inbound::poll_interval)},
      {"webhooks", "max_age", Kind::integer, "300",
       "Seconds a provider's signed timestamp stays good: an older (replayed) event is\n"
       "refused. SES, SendGrid and Mailgun sign one; Postmark does not.",
       30, 86400, num(&Config::webhooks, &Config::Webhooks::max_age)},
      {"webhooks", "max_body_bytes", Kind::integer, "1048576",
       "Largest body POST /webhooks/{provider} reads; a larger one is refused (413).", 1024,
       64 << 20, num(&Config::webhooks, &Config::Webhooks::max_body_bytes)},
      {"webhooks", "ses_topic_arns", Kind::string, "\"\"",
       "Amazon SES through SNS: the topic ARNs whose notifications are accepted,\n"
       "comma-separated; empty: /webhooks/ses is off.",
       0, 0, str(&Config::webhooks, &Config::Webhooks::ses_topic_arns, any_text)},
      {"webhooks", "sns_certificates", Kind::string, "\"sns-certificates\"",
       "Folder (relative to the data folder) of SNS signing certificates, one PEM file a\n"
       "certificate named by the SHA-256 (hex) of its SigningCertURL.",
       0, 0, str(&Config::webhooks, &Config::Webhooks::sns_certificates, any_text)},
      {"webhooks", "sns_fetch_certificates", Kind::boolean, "true",
       "Fetch a certificate missing from that folder from its https://sns.REGION.amazonaws.com\n"
       "URL (TLS verified against the system's roots) and keep it there.",
       0, 0, flag(&Config::webhooks, &Config::Webhooks::sns_fetch_certificates)},
      {"webhooks", "postmark_credentials_file", Kind::string, "\"\"",
       "Postmark: a file in secrets_dir whose first line is the \"user:password\" of the\n"
       "webhook's HTTP Basic authentication; empty: /webhooks/postmark is off.",
       0, 0, str(&Config::webhooks, &Config::Webhooks::postmark_credentials_file, any_text)},
      {"webhooks", "sendgrid_public_key", Kind::string, "\"\"",
       "SendGrid's Signed Event Webhook verification key (base64, as SendGrid shows it);\n"
       "empty: /webhooks/sendgrid is off.",
       0, 0, str(&Config::webhooks, &Config::Webhooks::sendgrid_public_key, any_text)},
      {"webhooks", "mailgun_signing_key_file", Kind::string, "\"\"",
       "Mailgun: a file in secrets_dir holding the HTTP webhook signing key; empty:\n"
       "/webhooks/mailgun is off.",
       0, 0, str(&Config::webhooks, &Config::Webhooks::mailgun_signing_key_file, any_text)},
      {"readers", "case_sensitive_local_part", Kind::boolean, "false",
       "Treat addresses that differ only in the case before the @ as different readers.\n"
       "false (the default, as mailbox providers do): Ann@x.org and ann@x.org are one\n"
       "reader, written to as first typed. Changing it re-keys the readers at the next start.",
       0, 0, flag(&Config::readers, &Config::Readers::case_sensitive_local_part)},
      {"signup", "consent_text", Kind::string,
       "\"By signing up you agree to receive the newsletters you chose and occasional "
       "updates and offers from us. You can unsubscribe at any time; see our privacy "
       "notice.\"",
       "The consent notice shown next to the Sign up button.", 0, 0,
       str(&Config::signup, &Config::Signup::consent_text, any_text)},
      {"signup", "consent_version", Kind::string, "\"2026-11\"",
       "Version of the consent notice, recorded with every sign-up; change it with the text.",
       0, 0, str(&Config::signup, &Config::Signup::consent_version, check_token_text)},
      {"signup", "marketing_text", Kind::string, "\"\"",
       "Label of a separate, unticked box for marketing offers; empty for no such box.", 0,
       0, str(&Config::signup, &Config::Signup::marketing_text, any_text)},
      {"signup", "rate_limits", Kind::boolean, "true",
       "Limit sign-up attempts per client and per address (off only for load tests).", 0, 0,
       flag(&Config::signup, &Config::Signup::rate_limits)},
      {"signup", "rate_per_client", Kind::integer, "20",
       "Sign-up attempts one client address may make per window.", 1, 1000000,
       num(&Config::signup, &Config::Signup::rate_per_client)},
      {"signup", "rate_per_email", Kind::integer, "5",
       "Sign-up attempts for one email address per window.", 1, 1000000,
       num(&Config::signup, &Config::Signup::rate_per_email)},
      {"signup", "rate_window", Kind::integer, "600", "Seconds of the rate-limit window.", 1,
       86400, num(&Config::signup, &Config::Signup::rate_window)},
      {"signup", "rate_table_size", Kind::integer, "100000",
       "Clients (IPv6 by /64) and addresses each rate-limit table remembers; when full, the\n"
       "one whose window started longest ago is forgotten (nobody new is refused).",
       10, 10000000, num(&Config::signup, &Config::Signup::rate_table_size)},
      {"signup", "confirm_expiry_days", Kind::integer, "7",
       "Days a confirmation link works.", 1, 365,
       num(&Config::signup, &Config::Signup::confirm_expiry_days)},
      {"signup", "resend_window", Kind::integer, "600",
       "Seconds before an unconfirmed address is sent another confirmation email.", 0,
       86400, num(&Config::signup, &Config::Signup::resend_window)},
      {"signup", "client_address", Kind::string, "\"truncate\"",
       "What the consent ledger keeps of the reader's IP address: \"truncate\" (IPv4 /24,\n"
       "IPv6 /48), \"hash\" (keyed hash) or \"full\".",
       0, 0, str(&Config::signup, &Config::Signup::client_address, check_client_address)},
      {"signup", "msg_invalid_email", Kind::string,
       "\"That email address doesn't look right. Please re-enter it.\"",
       "Shown when the address is not valid.", 0, 0,
       str(&Config::signup, &Config::Signup::msg_invalid_email, any_text)},
      {"signup", "msg_no_newsletter", Kind::string,
       "\"Please select at least one newsletter.\"", "Shown when no newsletter is ticked.",
       0, 0, str(&Config::signup, &Config::Signup::msg_no_newsletter, any_text)},
      {"signup", "msg_unknown_newsletter", Kind::string,
       "\"That newsletter is not available. Please choose another one.\"",
       "Shown for an unknown or private newsletter.", 0, 0,
       str(&Config::signup, &Config::Signup::msg_unknown_newsletter, any_text)},
      {"signup", "msg_robot_check_failed", Kind::string,
       "\"Please verify that you are not a robot by ticking the box.\"",
       "Shown when the robot check is missing, wrong, expired or replayed.", 0, 0,
       str(&Config::signup, &Config::Signup::msg_robot_check_failed, any_text)},
      {"signup", "msg_rate_limited", Kind::string,
       "\"Too many attempts. Please wait a few minutes and try again.\"",
       "Shown when the rate limit is reached.", 0, 0,
       str(&Config::signup, &Config::Signup::msg_rate_limited, any_text)},
      {"signup", "msg_internal", Kind::string,
       "\"An error has occurred. Please try again later.\"", "Shown on any fault.", 0, 0,
       str(&Config::signup, &Config::Signup::msg_internal, any_text)},
      {"signup", "msg_success", Kind::string,
       "\"Thank you for subscribing! Please check your inbox to confirm your "
       "subscription.\"",
       "Shown after a sign-up is accepted.", 0, 0,
       str(&Config::signup, &Config::Signup::msg_success, any_text)},
      {"signup", "msg_check_address", Kind::string,
       "\"We cannot deliver mail to that address. Please check it, or use another one.\"",
       "Shown when the address is on the suppression list (it bounced, complained or was\n"
       "suppressed by the publisher); it does not say which, and nothing is sent to it.",
       0, 0, str(&Config::signup, &Config::Signup::msg_check_address, any_text)},
      {"robot", "version", Kind::integer, "2",
       "ALTCHA challenge served by default: 1 (SHA-256) or 2 (key derivation).", 1, 2,
       num(&Config::robot, &Config::Robot::version)},
      {"robot", "accept_previous", Kind::boolean, "false",
       "Also issue and accept challenges of version 1 while version is 2 (only during a\n"
       "change of version: v1 is far cheaper to solve).",
       0, 0, flag(&Config::robot, &Config::Robot::accept_previous)},
      {"robot", "v1_max_number", Kind::integer, "100000",
       "Difficulty of v1 challenges: the browser tries about half this many hashes.", 1000,
       10000000, num(&Config::robot, &Config::Robot::v1_max_number)},
      {"robot", "v2_cost", Kind::integer, "5000", "PBKDF2 iterations per v2 attempt.", 1,
       100000, num(&Config::robot, &Config::Robot::v2_cost)},
      {"robot", "v2_prefix_digits", Kind::integer, "2",
       "Difficulty of v2 challenges: zero hex digits the key must start with.", 1, 6,
       num(&Config::robot, &Config::Robot::v2_prefix_digits)},
      {"robot", "expires", Kind::integer, "600", "Seconds a challenge stays good.", 10, 86400,
       num(&Config::robot, &Config::Robot::expires)},
      {"dkim", "keys", Kind::string, "\"\"",
       "Keys that DKIM-sign every message: \"domain:selector:algorithm:path\" entries,\n"
       "comma-separated; algorithm rsa or ed25519; path relative to this folder, mode 0600.\n"
       "An RSA and an Ed25519 key give two signatures. `broadsheet dkim keygen` adds one.",
       0, 0, str(&Config::dkim, &Config::Dkim::keys, check_dkim_keys)},
      {"log", "level", Kind::string, "\"info\"", "trace, debug, info, warn or error.", 0, 0,
       str(&Config::log, &Config::Log::level, check_level)},
      {"smtp", "host", Kind::string, "\"\"",
       "The SMTP relay (transport = \"smtp\"): host name or address, e.g. \"smtp.example.net\".",
       0, 0, str(&Config::smtp, &Config::Smtp::host, check_host)},
      {"smtp", "port", Kind::integer, "25", "Its port: 25, 587 (starttls) or 465 (tls).", 1,
       65535, num(&Config::smtp, &Config::Smtp::port)},
      {"smtp", "tls", Kind::string, "\"starttls\"",
       "\"starttls\" (STARTTLS before anything else, refused if not offered), \"tls\"\n"
       "(TLS from the first byte, port 465) or \"none\" (plain text, e.g. a relay on\n"
       "127.0.0.1).",
       0, 0, str(&Config::smtp, &Config::Smtp::tls, check_tls_mode)},
      {"smtp", "verify", Kind::boolean, "true",
       "Verify the relay's certificate and host name (off only for a relay you control).", 0,
       0, flag(&Config::smtp, &Config::Smtp::verify)},
      {"smtp", "ca_file", Kind::string, "\"\"",
       "PEM file of the certificates to trust (relative to this folder); empty: the system's.",
       0, 0, str(&Config::smtp, &Config::Smtp::ca_file, any_text)},
      {"smtp", "username", Kind::string, "\"\"",
       "AUTH PLAIN or LOGIN with this user name; empty: no AUTH.", 0, 0,
       str(&Config::smtp, &Config::Smtp::username, any_text)},
      {"smtp", "password_file", Kind::string, "\"\"",
       "File in secrets_dir whose first line is the password (mode 0600).", 0, 0,
       str(&Config::smtp, &Config::Smtp::password_file, any_text)},
      {"smtp", "password", Kind::string, "\"\"",
       "The password itself, when there is no password_file (prefer the file).", 0, 0,
       str(&Config::smtp, &Config::Smtp::password, any_text)},
      {"smtp", "pool_size", Kind::integer, "4", "Connections to each relay, at most.", 1, 256,
       num(&Config::smtp, &Config::Smtp::pool_size)},
      {"smtp", "messages_per_connection", Kind::integer, "1000",
       "Messages sent over one connection before it is closed and opened anew.", 1, 1000000,
       num(&Config::smtp, &Config::Smtp::messages_per_connection)},
      {"smtp", "weight", Kind::integer, "1",
       "This relay's share of messages against the relays below.", 1, 1000,
       num(&Config::smtp, &Config::Smtp::weight)},
      {"smtp", "helo_name", Kind::string, "\"\"",
       "Name given in EHLO; empty: this machine's host name.", 0, 0,
       str(&Config::smtp, &Config::Smtp::helo_name, check_helo_name)},
      {"smtp", "relays", Kind::string, "\"\"",
       "Further relays, comma-separated \"HOST:PORT[:TLS[:WEIGHT]]\" ([IPv6]:PORT...), e.g.\n"
       "\"mx2.example.net:587:starttls:2, 10.0.0.7:25:none\". TLS defaults to tls above,\n"
       "WEIGHT to 1; they share verify, ca_file, the credentials and the pool settings.",
       0, 0, apply_relays},
      {"smtp", "threads", Kind::integer, "1", "Threads running the SMTP connections.", 1, 16,
       num(&Config::smtp, &Config::Smtp::threads)},
      {"smtp", "timeout_connect", Kind::integer, "300",
       "Seconds to connect, finish TLS and get the greeting (RFC 5321 4.5.3.2 for all).", 1,
       3600, num(&Config::smtp, &Config::Smtp::timeout_connect)},
      {"smtp", "timeout_mail", Kind::integer, "300",
       "Seconds to wait for the reply to MAIL (and EHLO, STARTTLS, AUTH, RSET, QUIT).", 1, 3600,
       num(&Config::smtp, &Config::Smtp::timeout_mail)},
      {"smtp", "timeout_rcpt", Kind::integer, "300", "Seconds to wait for the reply to RCPT.",
       1, 3600, num(&Config::smtp, &Config::Smtp::timeout_rcpt)},
      {"smtp", "timeout_data", Kind::integer, "120", "Seconds to wait for the 354 to DATA.", 1,
       3600, num(&Config::smtp, &Config::Smtp::timeout_data)},
      {"smtp", "timeout_data_block", Kind::integer, "180",
       "Seconds to write the message to the relay.", 1, 3600,
       num(&Config::smtp, &Config::Smtp::timeout_data_block)},
      {"smtp", "timeout_data_end", Kind::integer, "600",
       "Seconds to wait for the reply to the final dot.", 1, 3600,
       num(&Config::smtp, &Config::Smtp::timeout_data_end)},
      {"smtp", "timeout_idle", Kind::integer, "60",
       "Seconds an unused connection stays open before QUIT.", 1, 3600,
       num(&Config::smtp, &Config::Smtp::timeout_idle)},
      {"send", "workers", Kind::integer, "0",
       "Threads rendering and signing messages; 0 means one per core.", 0, 256,
       num(&Config::send, &Config::Send::workers)},
      {"send", "batch_size", Kind::integer, "500", "Readers read from the database at once.",
       1, 100000, num(&Config::send, &Config::Send::batch_size)},
      {"send", "in_flight", Kind::integer, "256",
       "Messages handed to the relay whose result is not yet recorded. After a crash at\n"
       "most this many readers can receive an issue twice.",
       1, 100000, num(&Config::send, &Config::Send::in_flight)},
      {"send", "rate", Kind::integer, "0", "Messages per second at most; 0 means no limit.",
       0, 1000000, num(&Config::send, &Config::Send::rate)},
      {"send", "domain_in_flight", Kind::integer, "0",
       "Messages in flight to one recipient domain at most; 0 means no limit.", 0, 100000,
       num(&Config::send, &Config::Send::domain_in_flight)},
      {"send", "domain_rate", Kind::integer, "0",
       "Messages per second to one recipient domain at most; 0 means no limit.", 0, 1000000,
       num(&Config::send, &Config::Send::domain_rate)},
      {"send", "backoff", Kind::string, "\"1m,5m,15m,1h\"",
       "Waits before retrying a deferred message, the last one repeating.", 0, 0,
       [](Config& c, const std::string& v, std::int64_t, bool) -> Status {
         auto waits = parse_wait_list(v);
         if (!waits) return waits.error();
         c.send.backoff = std::move(*waits);
         return {};
       }},
      {"send", "give_up_after", Kind::integer, "86400",
       "Seconds after an issue began sending when a deferred message is given up.", 60,
       30 * 86400, num(&Config::send, &Config::Send::give_up_after)},
      {"send", "lease_seconds", Kind::integer, "30",
       "Seconds a sender holds an issue without renewing; another takes over after.", 5, 3600,
       num(&Config::send, &Config::Send::lease_seconds)},
      {"feeds", "interval", Kind::integer, "900",
       "Seconds between two polls of a feed that answered.", 60, 86400,
       num(&Config::feeds, &Config::Feeds::interval)},
      {"feeds", "timeout_connect", Kind::integer, "10",
       "Seconds to connect to a feed's server.", 1, 300,
       num(&Config::feeds, &Config::Feeds::timeout_connect)},
      {"feeds", "timeout", Kind::integer, "30",
       "Seconds a feed's whole fetch may take, redirects included.", 1, 600,
       num(&Config::feeds, &Config::Feeds::timeout)},
      {"feeds", "max_size", Kind::integer, "10485760",
       "Bytes of a feed at most; a larger one is refused.", 1024, 104857600,
       num(&Config::feeds, &Config::Feeds::max_size)},
      {"admin", "session_idle", Kind::integer, "43200",
       "Seconds a desk session may go unused before it must sign in again (12 h).", 60,
       31 * 86400, num(&Config::admin, &Config::Admin::session_idle)},
      {"admin", "session_lifetime", Kind::integer, "604800",
       "Seconds a desk session lasts at most, however busy (7 days).", 60, 366 * 86400,
       num(&Config::admin, &Config::Admin::session_lifetime)},
      {"admin", "sign_in_attempts", Kind::integer, "5",
       "Failed sign-ins allowed per user name and per client address within\n"
       "sign_in_window; more are answered 429 until the window has passed.",
       1, 1000, num(&Config::admin, &Config::Admin::sign_in_attempts)},
      {"admin", "sign_in_window", Kind::integer, "900",
       "Seconds over which failed sign-ins are counted (15 minutes).", 1, 86400,
       num(&Config::admin, &Config::Admin::sign_in_window)},
      {"schedule", "late_window", Kind::string, "\"2h\"",
       "A cohort of a scheduled issue whose release time passed while nothing ran is\n"
       "released when the scheduler next runs if it is less late than this (\"90m\",\n"
       "\"2h\", in seconds without a unit); otherwise it is skipped and recorded.",
       0, 0,
       [](Config& c, const std::string& v, std::int64_t, bool) -> Status {
         auto waits = parse_wait_list(v);
         if (!waits || waits->size() != 1) {
           return make_error(Errc::invalid_argument, "must be one duration such as \"2h\" or \"90m\", 1 s to 7 days");
         }
         c.schedule.late_window = waits->front();
         return {};
       }},
  };
  return defs;
}

std::string full_name(const KeyDef& d) {
  return *d.section ? fmt::format("{}.{}", d.section, d.key) : std::string(d.key);
}

std::string env_name(const KeyDef& d) {
  std::string name = "BROADSHEET_";
  if (*d.section) {
    name += d.section;
    name += '_';
  }
  name += d.key;
  for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

// Applies one raw value (from TOML or the environment) to the config.
Status apply_value(Config& c, const KeyDef& d, const toml::node* node,
                   const std::optional<std::string>& env_text) {
  std::string s;
  std::int64_t n = 0;
  bool b = false;
  switch (d.kind) {
    case Kind::string:
      if (env_text) {
        s = *env_text;
      } else if (auto v = node->value<std::string>()) {
        s = *v;
      } else {
        return make_error(Errc::config, "must be a string");
      }
      break;
    case Kind::integer:
      if (env_text) {
        auto [p, ec] = std::from_chars(env_text->data(), env_text->data() + env_text->size(), n);
        if (ec != std::errc() || p != env_text->data() + env_text->size()) {
          return make_error(Errc::config, "must be a whole number");
        }
      } else if (auto v = node->value_exact<std::int64_t>()) {
        n = *v;
      } else {
        return make_error(Errc::config, "must be a whole number");
      }
      if (n < d.min || n > d.max) {
        return make_error(Errc::config, fmt::format("must be between {} and {}", d.min, d.max));
      }
      break;
    case Kind::boolean:
      if (env_text) {
        if (*env_text == "true" || *env_text == "1" || *env_text == "on") {
          b = true;
        } else if (*env_text == "false" || *env_text == "0" || *env_text == "off") {
          b = false;
        } else {
          return make_error(Errc::config, "must be true or false");
        }
      } else if (auto v = node->value_exact<bool>()) {
        b = *v;
      } else {
        return make_error(Errc::config, "must be true or false");
      }
      break;
  }
  auto st = d.apply(c, s, n, b);
  if (!st) return make_error(Errc::config, st.error().message);
  return {};
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

Result<HostPort> parse_listen(const std::string& text) {
  HostPort hp;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return make_error(Errc::invalid_argument, "expected [IPv6]:PORT");
    }
    hp.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return make_error(Errc::invalid_argument, "expected HOST:PORT, e.g. 127.0.0.1:8080");
    }
    hp.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || p != port.data() + port.size() || value > 65535) {
    return make_error(Errc::invalid_argument, "port must be a number from 0 to 65535");
  }
  hp.port = static_cast<std::uint16_t>(value);
  return hp;
}

std::string default_config_toml() {
  std::string out =
      "# Broadsheet configuration. Every key can be overridden by an environment\n"
      "# variable named BROADSHEET_<SECTION>_<KEY>, e.g. BROADSHEET_HTTP_LISTEN.\n"
      "# The values below are the defaults.\n";
  std::string section = "\x01";
  for (const auto& d : key_defs()) {
    if (section != d.section) {
      section = d.section;
      if (!section.empty()) out += fmt::format("\n[{}]\n", section);
    }
    out += "\n";
    std::string comment = d.comment;
    std::size_t start = 0;
    while (start <= comment.size()) {
      auto end = comment.find('\n', start);
      if (end == std::string::npos) end = comment.size();
      out += "# " + comment.substr(start, end - start) + "\n";
      start = end + 1;
    }
    out += fmt::format("# ({})\n{} = {}\n", env_name(d), d.key, d.default_toml);
  }
  return out;
}

Result<Config> load_config(const std::string& data_dir, const EnvLookup& env) {
  Config config;
  config.data_dir = data_dir;

  // Defaults come from the same table, parsed as TOML so they go through validation.
  toml::table defaults;
  try {
    defaults = toml::parse(default_config_toml());
  } catch (const toml::parse_error& e) {
    return make_error(Errc::internal, fmt::format("default configuration: {}", e.what()));
  }

  toml::table file;
  auto path = std::filesystem::path(data_dir) / "broadsheet.toml";
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    try {
      file = toml::parse_file(path.string());
    } catch (const toml::parse_error& e) {
      const auto& src = e.source();
      return make_error(Errc::config,
                        fmt::format("{}:{}:{}: {}", path.string(), src.begin.line,
                                    src.begin.column, e.description()));
    }
  }

  // Refuse keys we do not know: a typo must not silently fall back to a default.
  for (const auto& [k, v] : file) {
    std::string key(k.str());
    bool known = false;
    for (const auto& d : key_defs()) {
      if ((*d.section == 0 && key == d.key) || key == d.section) known = true;
    }
    if (known && v.is_table()) {
      for (const auto& [k2, v2] : *v.as_table()) {
        bool sub_known = false;
        for (const auto& d : key_defs()) {
          if (key == d.section && k2.str() == d.key) sub_known = true;
        }
        if (!sub_known) {
          return make_error(Errc::config, fmt::format("{}: unknown key \"{}.{}\"",
                                                      path.string(), key, k2.str()));
        }
      }
    } else if (!known) {
      return make_error(Errc::config, fmt::format("{}: unknown key \"{}\"", path.string(), key));
    }
  }

  for (const auto& d : key_defs()) {
    auto lookup = [&](toml::table& t) -> const toml::node* {
      if (*d.section == 0) return t.get(d.key);
      auto* sec = t.get_as<toml::table>(d.section);
      return sec ? sec->get(d.key) : nullptr;
    };
    const toml::node* node = lookup(file);
    std::optional<std::string> env_text = env(env_name(d));
    std::string origin = env_text ? env_name(d) : path.string();
    if (!env_text && !node) {
      node = lookup(defaults);
      origin = "default";
    }
    if (auto st = apply_value(config, d, node, env_text); !st) {
      return make_error(Errc::config, fmt::format("{} ({}): {}", full_name(d), origin,
                                                  st.error().message));
    }
  }
  return config;
}

}  // namespace broadsheet
