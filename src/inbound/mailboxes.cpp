#include "inbound/mailboxes.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "links/token.hpp"

namespace broadsheet::inbound {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

void add_unique(std::vector<std::string>& v, std::string s) {
  if (!s.empty() && !contains(v, s)) v.push_back(std::move(s));
}

// The domain of "Name <local@domain>" or "local@domain"; "" when there is none.
std::string domain_of(std::string_view address) {
  if (auto close = address.rfind('>'); close != std::string_view::npos) {
    address = address.substr(0, close);
  }
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : lower(address.substr(at + 1));
}

}  // namespace

Mailboxes::Mailboxes(std::string link_key, std::vector<std::string> bounce_domains,
                     std::vector<std::string> unsubscribe_addresses)
    : link_key_(std::move(link_key)) {
  for (auto& d : bounce_domains) add_unique(bounce_domains_, lower(d));
  for (auto& a : unsubscribe_addresses) add_unique(unsubscribe_, lower(a));
}

bool Mailboxes::accepts(std::string_view address) const {
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0) return false;
  const std::string domain = lower(address.substr(at + 1));
  const std::string local = lower(address.substr(0, at));
  if (local.starts_with(links::kReturnPrefix)) {
    if (!contains(bounce_domains_, domain)) return false;
    return static_cast<bool>(
        links::verify_return_token(std::string_view(local).substr(links::kReturnPrefix.size()),
                                   link_key_));
  }
  // "unsubscribe+anything@" is the mailbox "unsubscribe@" to an MTA with a delimiter.
  const auto plus = local.find('+');
  const std::string mailbox = (plus == std::string::npos ? local : local.substr(0, plus)) + "@" + domain;
  return contains(unsubscribe_, mailbox);
}

Mailboxes mailboxes_of(const Config& config, const std::vector<Newsletter>& newsletters,
                       std::string link_key) {
  std::vector<std::string> from_domains;
  add_unique(from_domains, domain_of(config.mail.from));
  for (const auto& n : newsletters) add_unique(from_domains, domain_of(n.from_address));
  std::vector<std::string> bounce_domains;
  if (!config.bounce.domain.empty()) {
    bounce_domains.push_back(config.bounce.domain);
  } else {
    bounce_domains = from_domains;
  }
  std::vector<std::string> unsubscribe;
  if (!config.mail.unsubscribe_mailbox.empty()) {
    unsubscribe.push_back(config.mail.unsubscribe_mailbox);
  } else {
    for (const auto& d : from_domains) unsubscribe.push_back("unsubscribe@" + d);
  }
  return Mailboxes(std::move(link_key), std::move(bounce_domains), std::move(unsubscribe));
}

Outcome deliver(std::string_view recipient, std::string_view message, store::Bounces& bounces,
                const bounce::Settings& settings, const Clock& clock) {
  std::string raw;
  raw.reserve(message.size() + recipient.size() + 16);
  raw.append("Delivered-To: ").append(recipient).append("\r\n").append(message);
  auto outcome = bounce::process(raw, bounces, settings, clock.now());
  if (!outcome) {
    spdlog::warn("inbound: mail to {} not stored, the MTA will retry: {}", recipient,
                 outcome.error().message);
    return Outcome::retry_later;
  }
  spdlog::info("inbound: mail to {}: {}", recipient, outcome->summary());
  return Outcome::handled;
}

}  // namespace broadsheet::inbound
