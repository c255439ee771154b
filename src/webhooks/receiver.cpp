#include "webhooks/receiver.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <filesystem>

#include "core/encoding.hpp"
#include "core/secret_file.hpp"
#include "core/text.hpp"
#include "webhooks/signatures.hpp"

namespace broadsheet::webhooks {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

http::Response unauthorized(std::string_view provider, std::string_view why) {
  // The reason goes to the log, not to the caller: a prober learns nothing.
  spdlog::warn("webhook {}: refused: {}", provider, why);
  return http::Response::json_error(401, "unauthorized", "authentication failed");
}

http::Response malformed(const Error& e) {
  return http::Response::json_error(400, "malformed", e.message);
}

// A timestamp within max_age of now, either way.
bool fresh(UnixSeconds t, UnixSeconds now, int max_age) {
  return t >= now - max_age && t <= now + max_age;
}

std::string ascii_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<UnixSeconds> unix_seconds(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  UnixSeconds v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

Result<std::string> secret(const Config& config, const std::string& file, std::string_view key) {
  fs::path path = file;
  if (path.is_relative()) path = fs::path(config.data_dir) / config.secrets_dir / path;
  auto line = read_secret_line({path.string(), key, 4096, ""});
  if (!line) return line.error();
  if (line->empty()) {
    return make_error(Errc::config,
                      fmt::format("{}: {} starts with an empty line", key, path.string()));
  }
  return line;
}

}  // namespace

Result<ReceiverSettings> settings_from(const Config& config, std::string link_key) {
  ReceiverSettings s;
  s.bounce = bounce::settings_from(config, std::move(link_key));
  const auto& w = config.webhooks;
  s.max_age = w.max_age;
  s.max_body_bytes = w.max_body_bytes;
  for (auto arn : split_at(w.ses_topic_arns, ',')) {
    arn = trim_whitespace(arn);
    if (!arn.empty()) s.ses_topic_arns.emplace_back(arn);
  }
  if (!w.postmark_credentials_file.empty()) {
    auto line = secret(config, w.postmark_credentials_file, "webhooks.postmark_credentials_file");
    if (!line) return line.error();
    if (line->find(':') == std::string::npos) {
      return make_error(Errc::config,
                        "webhooks.postmark_credentials_file: the line must be \"user:password\"");
    }
    s.postmark_credentials = std::move(*line);
  }
  if (!w.sendgrid_public_key.empty()) {
    auto der = base64_decode(w.sendgrid_public_key);
    if (!der || !is_p256_public_key(*der)) {
      return make_error(Errc::config,
                        "webhooks.sendgrid_public_key: not a base64 ECDSA P-256 public key");
    }
    s.sendgrid_public_key = std::move(*der);
  }
  if (!w.mailgun_signing_key_file.empty()) {
    auto line = secret(config, w.mailgun_signing_key_file, "webhooks.mailgun_signing_key_file");
    if (!line) return line.error();
    s.mailgun_signing_key = std::move(*line);
  }
  return s;
}

Receiver::Receiver(ReceiverSettings settings, ReceiverRoles roles,
                   std::shared_ptr<SnsCertificates> certificates, const Clock& clock)
    : settings_(std::move(settings)),
      roles_(roles),
      certificates_(std::move(certificates)),
      clock_(clock) {}

http::Response Receiver::handle(const http::Request& request) const {
  const auto it = request.params.find("provider");
  const std::string provider = it == request.params.end() ? "" : it->second;
  const UnixSeconds now = clock_.now();
  if (provider == "ses" && !settings_.ses_topic_arns.empty() && certificates_) {
    return ses(request, now);
  }
  if (provider == "postmark" && !settings_.postmark_credentials.empty()) return postmark(request);
  if (provider == "sendgrid" && !settings_.sendgrid_public_key.empty()) {
    return sendgrid(request, now);
  }
  if (provider == "mailgun" && !settings_.mailgun_signing_key.empty()) {
    return mailgun(request, now);
  }
  return http::Response::json_error(404, "not_found", "no such webhook");
}

http::Response Receiver::ses(const http::Request& request, UnixSeconds now) const {
  auto m = parse_sns(request.body);
  if (!m) return unauthorized("ses", m.error().message);
  if (auto ok = verify_sns(*m, *certificates_, now); !ok) {
    return unauthorized("ses", ok.error().message);
  }
  if (std::find(settings_.ses_topic_arns.begin(), settings_.ses_topic_arns.end(), m->topic_arn) ==
      settings_.ses_topic_arns.end()) {
    return unauthorized("ses", fmt::format("topic {} is not in webhooks.ses_topic_arns",
                                           excerpt(m->topic_arn, 256)));
  }
  auto at = parse_rfc3339(m->timestamp);
  if (!at || !fresh(*at, now, settings_.max_age)) {
    return unauthorized("ses", "the SNS Timestamp is older than webhooks.max_age (a replay?)");
  }
  if (m->type == "SubscriptionConfirmation") {
    spdlog::warn("webhook ses: SNS asks to confirm the subscription of topic {}: open {}",
                 m->topic_arn, excerpt(m->subscribe_url, 2048));
    return http::Response::json(200, json::object{{"confirmation", "logged"}});
  }
  if (m->type == "UnsubscribeConfirmation") {
    spdlog::warn("webhook ses: the subscription of topic {} was ended", m->topic_arn);
    return http::Response::json(200, json::object{{"confirmation", "logged"}});
  }
  return keep("ses", ses_events(m->message), now);
}

http::Response Receiver::postmark(const http::Request& request) const {
  constexpr std::string_view kBasic = "Basic ";
  auto header = request.header("authorization");
  if (!header || header->size() <= kBasic.size() ||
      !ascii_iequals(header->substr(0, kBasic.size()), kBasic)) {
    return unauthorized("postmark", "no HTTP Basic credentials");
  }
  auto credentials = base64_decode(trim_whitespace(header->substr(kBasic.size())));
  if (!credentials || !equal_secret(*credentials, settings_.postmark_credentials)) {
    return unauthorized("postmark", "wrong HTTP Basic credentials");
  }
  return keep("postmark", postmark_events(request.body), clock_.now());
}

http::Response Receiver::sendgrid(const http::Request& request, UnixSeconds now) const {
  auto signature = request.header("x-twilio-email-event-webhook-signature");
  auto timestamp = request.header("x-twilio-email-event-webhook-timestamp");
  if (!signature || !timestamp) return unauthorized("sendgrid", "no signature headers");
  auto der = base64_decode(trim_whitespace(*signature));
  if (!der) return unauthorized("sendgrid", "the signature is not base64");
  const std::string signed_bytes = std::string(*timestamp) + request.body;
  if (!verify_ecdsa_p256(settings_.sendgrid_public_key, signed_bytes, *der)) {
    return unauthorized("sendgrid", "the signature does not verify");
  }
  auto at = unix_seconds(*timestamp);
  if (!at || !fresh(*at, now, settings_.max_age)) {
    return unauthorized("sendgrid", "the timestamp is older than webhooks.max_age (a replay?)");
  }
  return keep("sendgrid", sendgrid_events(request.body), now);
}

http::Response Receiver::mailgun(const http::Request& request, UnixSeconds now) const {
  boost::system::error_code ec;
  json::value v = json::parse(request.body, ec);
  if (ec || !v.is_object()) return unauthorized("mailgun", "no signature (not JSON)");
  const auto* sig = v.as_object().if_contains("signature");
  if (sig == nullptr || !sig->is_object()) return unauthorized("mailgun", "no signature");
  auto field = [&](std::string_view k) -> std::string {
    const auto* f = sig->as_object().if_contains(k);
    return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  const std::string timestamp = field("timestamp"), token = field("token");
  const std::string given = field("signature");
  if (timestamp.empty() || token.empty() || given.empty()) {
    return unauthorized("mailgun", "signature without timestamp, token or signature");
  }
  if (!equal_secret(hmac_sha256_hex(settings_.mailgun_signing_key, timestamp + token),
                    ascii_lower(given))) {
    return unauthorized("mailgun", "the signature does not verify");
  }
  auto at = unix_seconds(timestamp);
  if (!at || !fresh(*at, now, settings_.max_age)) {
    return unauthorized("mailgun", "the timestamp is older than webhooks.max_age (a replay?)");
  }
  return keep("mailgun", mailgun_events(request.body), now);
}

http::Response Receiver::keep(std::string_view provider, const Result<ProviderEvents>& events,
                              UnixSeconds now) const {
  if (!events) return malformed(events.error());
  bounce::Analysis analysis;
  std::size_t ignored = events->ignored;
  for (const auto& e : events->events) {
    bounce::Finding f;
    if (auto named = bounce::delivery_in(e.echoed, settings_.bounce.link_key)) {
      f = *named;
    } else {
      auto reader = roles_.readers.subscriber_by_email(e.recipient);
      if (!reader) {
        if (reader.error().code != Errc::not_found) {
          return http::Response::json_error(503, "unavailable", "try again later");
        }
        ++ignored;  // an address that is no reader of ours
        continue;
      }
      f.subscriber_id = reader->subscriber.id;
      f.reference = fmt::format("{} {}", provider, e.reference);
    }
    f.kind = e.kind;
    f.recipient = e.recipient;
    f.status = e.status;
    f.source = std::string(provider);
    if (f.kind == store::BounceKind::unsubscribe && f.issue_id) {
      auto issue = roles_.issues.issue_by_id(*f.issue_id);
      if (issue) f.newsletter_id = issue->newsletter_id;
    }
    analysis.findings.push_back(std::move(f));
  }
  auto outcome = bounce::record(analysis, roles_.bounces, settings_.bounce.policy, now);
  if (!outcome) {
    spdlog::error("webhook {}: not stored: {}", provider, outcome.error().message);
    return http::Response::json_error(503, "unavailable", "try again later");
  }
  if (outcome->recorded > 0) spdlog::info("webhook {}: {}", provider, outcome->summary());
  const std::size_t gone = analysis.findings.size() - outcome->recorded - outcome->duplicates;
  return http::Response::json(200, json::object{{"recorded", outcome->recorded},
                                                {"duplicates", outcome->duplicates},
                                                {"ignored", ignored + gone}});
}

}  // namespace broadsheet::webhooks
