// Amazon SNS messages (the way Amazon SES reports bounces and complaints): parsing
// one, and proving it came from SNS. Nothing in a message is trusted until its
// signature verifies against the SNS signing certificate named by SigningCertURL,
// and that URL is believed only on https://sns.REGION.amazonaws.com(.cn)/....pem.
// SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA, over "Key\nValue\n" of the
// fields AWS lists for the message type (Subject only when present).
//
// Certificates come from a folder (`[webhooks] sns_certificates`), one PEM file per
// certificate named by the SHA-256 hex of its URL, which a publisher can fill by hand
// or let a fetcher fill: with `sns_fetch_certificates` a missing one is fetched once
// from its URL over TLS verified against the system's roots (no redirects, 64 KiB)
// and written there. A certificate must name sns.amazonaws.com or
// sns.REGION.amazonaws.com(.cn) as its subject, hold an RSA key and be valid now.
//
// Thread-safety: SnsCertificates may be used from several threads; the rest is pure.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "feeds/fetch.hpp"

namespace broadsheet::webhooks {

struct SnsMessage {
  std::string type;  // Notification, SubscriptionConfirmation, UnsubscribeConfirmation
  std::string message_id, topic_arn, message, timestamp, token, subscribe_url;
  std::string subject;
  bool has_subject = false;
  std::string signature_version, signature, signing_cert_url;
};

// Errc::invalid_argument when `body` is not an SNS message (JSON with the fields of
// its type, as strings).
Result<SnsMessage> parse_sns(std::string_view body);

// The bytes the signature is over.
std::string sns_string_to_sign(const SnsMessage& m);

// https, host sns.REGION.amazonaws.com or sns.REGION.amazonaws.com.cn, no port, user
// or query, a path ending in ".pem".
bool sns_certificate_url_ok(std::string_view url);

class SnsCertificates {
 public:
  // `folder` absolute; `fetcher` null: only the folder is read.
  SnsCertificates(std::string folder, feeds::Fetcher* fetcher);
  // The PEM for `url` (already checked by sns_certificate_url_ok). Errc::not_found
  // when it is neither in the folder nor fetched; Errc::io when a fetch failed.
  Result<std::string> pem(const std::string& url);

 private:
  std::string folder_;
  feeds::Fetcher* fetcher_;
  std::mutex mutex_;
  std::map<std::string, std::string> cache_;  // url -> PEM
};

// Verifies `m` (its certificate URL, certificate, signature) at `now`.
// Errc::invalid_argument saying why not (the caller answers 401).
Status verify_sns(const SnsMessage& m, SnsCertificates& certificates, UnixSeconds now);

}  // namespace broadsheet::webhooks
