// POST /webhooks/{provider}: bounce and complaint events that sending providers report
// over HTTP, into the same policy as bounces by mail (bounce/bounce.hpp's record()).
//
// It trusts nothing in a request until the provider's documented authentication
// checks out; until then nothing is parsed into events and nothing is stored (401):
//   ses       an SNS message signed by SNS (sns.hpp) on a topic in ses_topic_arns;
//             a SubscriptionConfirmation is logged with its SubscribeURL for the
//             publisher to open (never fetched: the server makes no request a stranger
//             could aim);
//   postmark  HTTP Basic credentials equal to postmark_credentials_file's line;
//   sendgrid  ECDSA P-256 (SHA-256) over X-Twilio-Email-Event-Webhook-Timestamp +
//             body, the signature in X-Twilio-Email-Event-Webhook-Signature, under
//             sendgrid_public_key;
//   mailgun   HMAC-SHA256 of signature.timestamp + signature.token under the key of
//             mailgun_signing_key_file, equal to signature.signature.
// A signed timestamp further than `[webhooks] max_age` from now (either way) is
// refused as a replay (401); the body is bounded by max_body_bytes (the route's limit).
// An event names its delivery by a token that verifies (the VERP return path or the
// X-Broadsheet-Delivery token, wherever the provider echoes it), else by the recipient
// address alone (the Message-ID is random and not kept, so it names nothing): the
// reader with that address, the provider's event id making the fingerprint. The same
// event twice counts once.
//
// Answers: 200 {"recorded","duplicates","ignored"}; 400 a body not in the provider's
// format (after authentication); 401 unauthenticated; 404 an unknown provider or one
// not configured; 503 when the store failed (the provider retries).
// Config: `[webhooks]` (max_age, max_body_bytes, ses_topic_arns, sns_certificates,
// sns_fetch_certificates, postmark_credentials_file, sendgrid_public_key,
// mailgun_signing_key_file). Thread-safety: handle() may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bounce/bounce.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "http/message.hpp"
#include "store/bounces.hpp"
#include "store/issues.hpp"
#include "store/readers.hpp"
#include "webhooks/providers.hpp"
#include "webhooks/sns.hpp"

namespace broadsheet::webhooks {

struct ReceiverSettings {
  bounce::Settings bounce;  // the link key and the policy
  int max_age = 300;
  std::size_t max_body_bytes = 1 << 20;
  std::vector<std::string> ses_topic_arns;  // empty: SES off
  std::string postmark_credentials;         // "user:password"; empty: off
  std::string sendgrid_public_key;          // DER; empty: off
  std::string mailgun_signing_key;          // empty: off
};

// The settings from `config`, reading the secret files (core/secret_file.hpp).
// Errc::config naming the key when a file cannot be read or a key is malformed.
Result<ReceiverSettings> settings_from(const Config& config, std::string link_key);

struct ReceiverRoles {
  store::Bounces& bounces;
  store::Readers& readers;  // the reader of an address, when no token names one
  store::Issues& issues;    // the newsletter of an issue, for unsubscribe events
};

class Receiver {
 public:
  // `certificates` null: /webhooks/ses answers 404.
  Receiver(ReceiverSettings settings, ReceiverRoles roles,
           std::shared_ptr<SnsCertificates> certificates, const Clock& clock);
  // The route's handler: the provider is request.params["provider"].
  http::Response handle(const http::Request& request) const;
  std::size_t max_body_bytes() const { return settings_.max_body_bytes; }

 private:
  http::Response ses(const http::Request& request, UnixSeconds now) const;
  http::Response postmark(const http::Request& request) const;
  http::Response sendgrid(const http::Request& request, UnixSeconds now) const;
  http::Response mailgun(const http::Request& request, UnixSeconds now) const;
  http::Response keep(std::string_view provider, const Result<ProviderEvents>& events,
                      UnixSeconds now) const;

  ReceiverSettings settings_;
  ReceiverRoles roles_;
  std::shared_ptr<SnsCertificates> certificates_;
  const Clock& clock_;
};

}  // namespace broadsheet::webhooks
