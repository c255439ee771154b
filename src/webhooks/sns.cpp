#include "webhooks/sns.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/encoding.hpp"
#include "core/files.hpp"
#include "core/text.hpp"
#include "webhooks/signatures.hpp"

namespace broadsheet::webhooks {
namespace {

constexpr std::size_t kMaxCertificateBytes = 64 * 1024;

Error refused(std::string message) { return Error{Errc::invalid_argument, std::move(message)}; }

bool region_label(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// sns.amazonaws.com, sns.REGION.amazonaws.com, or either under .amazonaws.com.cn.
bool sns_host(std::string_view host) {
  constexpr std::string_view kPrefix = "sns.", kSuffix = ".amazonaws.com";
  if (host.ends_with(".cn")) host.remove_suffix(3);
  if (host == "sns.amazonaws.com") return true;
  if (host.size() <= kPrefix.size() + kSuffix.size() || !host.starts_with(kPrefix) ||
      !host.ends_with(kSuffix)) {
    return false;
  }
  return region_label(host.substr(kPrefix.size(), host.size() - kPrefix.size() - kSuffix.size()));
}


}  // namespace

Result<SnsMessage> parse_sns(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return refused("not an SNS message (JSON object expected)");
  const auto& o = v.as_object();
  auto text = [&](std::string_view key, std::string& out, bool required) -> bool {
    const auto* f = o.if_contains(key);
    if (f == nullptr) return !required;
    if (!f->is_string()) return false;
    out = std::string(f->as_string());
    return true;
  };
  SnsMessage m;
  if (!text("Type", m.type, true) || !text("MessageId", m.message_id, true) ||
      !text("TopicArn", m.topic_arn, true) || !text("Message", m.message, true) ||
      !text("Timestamp", m.timestamp, true) ||
      !text("SignatureVersion", m.signature_version, true) ||
      !text("Signature", m.signature, true) || !text("SigningCertURL", m.signing_cert_url, true)) {
    return refused("not an SNS message (a field is missing or not a string)");
  }
  const bool confirmation =
      m.type == "SubscriptionConfirmation" || m.type == "UnsubscribeConfirmation";
  if (m.type != "Notification" && !confirmation) return refused("unknown SNS message type");
  if (confirmation &&
      (!text("Token", m.token, true) || !text("SubscribeURL", m.subscribe_url, true))) {
    return refused("SNS confirmation without Token or SubscribeURL");
  }
  if (!confirmation) {
    m.has_subject = o.if_contains("Subject") != nullptr && o.at("Subject").is_string();
    if (m.has_subject) text("Subject", m.subject, false);
  }
  return m;
}

std::string sns_string_to_sign(const SnsMessage& m) {
  std::string out;
  auto add = [&out](std::string_view k, std::string_view v) {
    out.append(k).append("\n").append(v).append("\n");
  };
  add("Message", m.message);
  add("MessageId", m.message_id);
  if (m.type == "Notification") {
    if (m.has_subject) add("Subject", m.subject);
    add("Timestamp", m.timestamp);
    add("TopicArn", m.topic_arn);
    add("Type", m.type);
  } else {
    add("SubscribeURL", m.subscribe_url);
    add("Timestamp", m.timestamp);
    add("Token", m.token);
    add("TopicArn", m.topic_arn);
    add("Type", m.type);
  }
  return out;
}

bool sns_certificate_url_ok(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() > 512 || !url.starts_with(kScheme)) return false;
  url.remove_prefix(kScheme.size());
  const auto slash = url.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view host = url.substr(0, slash), path = url.substr(slash);
  if (!sns_host(host)) return false;  // no user, no port: only the letters of a host
  if (path.find_first_of("?#%\\") != std::string_view::npos ||
      path.find("..") != std::string_view::npos) {
    return false;
  }
  return path.size() > 5 && path.ends_with(".pem");
}

SnsCertificates::SnsCertificates(std::string folder, feeds::Fetcher* fetcher)
    : folder_(std::move(folder)), fetcher_(fetcher) {}

Result<std::string> SnsCertificates::pem(const std::string& url) {
  std::lock_guard lock(mutex_);
  if (auto it = cache_.find(url); it != cache_.end()) return it->second;
  const std::filesystem::path file = std::filesystem::path(folder_) / (sha256_hex(url) + ".pem");
  if (auto pem = read_small_file(file.string(), kMaxCertificateBytes); pem.ok()) {
    cache_.emplace(url, *pem);
    return *pem;
  }
  if (fetcher_ == nullptr) {
    return Error{Errc::not_found,
                 fmt::format("no SNS certificate {} in {}", file.filename().string(), folder_)};
  }
  auto got = fetcher_->fetch({url, "", ""});
  if (!got)
    return Error{Errc::io, fmt::format("fetching {}: {}", excerpt(url, 512), got.error().message)};
  if (got->status != 200 || got->body.size() > kMaxCertificateBytes) {
    return Error{Errc::io, fmt::format("fetching {}: status {}", url, got->status)};
  }
  std::error_code ec;
  std::filesystem::create_directories(folder_, ec);
  const std::filesystem::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << got->body;
  }
  std::filesystem::rename(tmp, file, ec);  // a cache: failing to keep it is no error
  cache_.emplace(url, got->body);
  return got->body;
}

Status verify_sns(const SnsMessage& m, SnsCertificates& certificates, UnixSeconds now) {
  RsaDigest digest;
  if (m.signature_version == "1")
    digest = RsaDigest::sha1;
  else if (m.signature_version == "2")
    digest = RsaDigest::sha256;
  else
    return refused("unknown SNS SignatureVersion");
  if (!sns_certificate_url_ok(m.signing_cert_url)) {
    return refused("SigningCertURL is not an https URL on sns.REGION.amazonaws.com");
  }
  auto pem = certificates.pem(m.signing_cert_url);
  if (!pem) return refused(pem.error().message);
  auto facts = certificate_facts(*pem);
  if (!facts || !facts->rsa) return refused("the SNS certificate is not an RSA certificate");
  if (!sns_host(facts->common_name)) {
    return refused(fmt::format("the SNS certificate names {}, not sns.amazonaws.com",
                               excerpt(facts->common_name, 128)));
  }
  if (now < facts->not_before || now > facts->not_after) {
    return refused("the SNS certificate is not valid now");
  }
  auto signature = base64_decode(m.signature);
  if (!signature) return refused("the SNS Signature is not base64");
  if (!verify_rsa(*pem, digest, sns_string_to_sign(m), *signature)) {
    return refused("the SNS signature does not verify");
  }
  return {};
}

}  // namespace broadsheet::webhooks
