#include "web/signup.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "address/address.hpp"
#include "address/mx.hpp"
#include "core/encoding.hpp"
#include "core/secret_file.hpp"
#include "schedule/schedule.hpp"

namespace broadsheet::web {
namespace {

constexpr std::size_t kMaxNewsletters = 20;
constexpr std::size_t kMaxNameBytes = 200;
constexpr std::size_t kMaxPageBytes = 500;

}  // namespace

Result<ReaderKeys> load_reader_keys(const Config& config) {
  namespace fs = std::filesystem;
  fs::path path = fs::path(config.data_dir) / config.secrets_dir / "hmac.key";
  auto line = read_secret_line({path.string(), "secret", 4096, "; run `broadsheet init`"});
  if (!line) return line.error();
  const std::string& hex = *line;
  if (hex.size() < 64) {
    return make_error(Errc::config, fmt::format("secret {} is too short", path.string()));
  }
  ReaderKeys keys;
  keys.link_key = hex;
  // The robot check gets a key of its own, derived so that one secret file suffices.
  keys.robot.hmac_key = hmac_sha256_hex(hex, "broadsheet robot check");
  keys.robot.version = config.robot.version;
  keys.robot.accept_previous = config.robot.accept_previous;
  keys.robot.v1_max_number = config.robot.v1_max_number;
  keys.robot.v2_cost = config.robot.v2_cost;
  keys.robot.v2_prefix_digits = config.robot.v2_prefix_digits;
  keys.robot.expires_seconds = config.robot.expires;
  if (auto st2 = robot::validate(keys.robot); !st2) return st2.error();
  return keys;
}

SignupService::SignupService(const Config& config, Roles store, const Clock& clock,
                             ReaderKeys keys)
    : config_(config),
      store_(store),
      clock_(clock),
      keys_(std::move(keys)),
      per_client_(config.signup.rate_per_client, config.signup.rate_window, clock,
                  config.signup.rate_table_size),
      garbage_per_client_(config.signup.rate_per_client, config.signup.rate_window, clock,
                          config.signup.rate_table_size),
      per_email_(config.signup.rate_per_email, config.signup.rate_window, clock,
                 config.signup.rate_table_size) {}

Result<boost::json::object> SignupService::challenge(std::string_view version) {
  auto v = robot::challenge_version(version, keys_.robot);
  if (!v) return v.error();
  return robot::issue_challenge(*v, keys_.robot, clock_);
}

std::string SignupService::stored_client_address(const std::string& ip) const {
  const auto& mode = config_.signup.client_address;
  if (mode == "full") return ip;
  if (mode == "hash") return hmac_sha256_hex(keys_.link_key, "client " + ip).substr(0, 32);
  unsigned char buf[16];
  char text[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, ip.c_str(), buf) == 1) {
    buf[3] = 0;
    return inet_ntop(AF_INET, buf, text, sizeof text) ? std::string(text) + "/24" : "";
  }
  if (inet_pton(AF_INET6, ip.c_str(), buf) == 1) {
    std::fill(buf + 6, buf + 16, 0);
    return inet_ntop(AF_INET6, buf, text, sizeof text) ? std::string(text) + "/48" : "";
  }
  return "";
}

std::vector<FieldError> SignupService::validate(const SignupForm& form, store::SignupRequest& request,
                                                bool read_newsletters) {
  const auto& msg = config_.signup;
  std::vector<FieldError> errors;
  address::AddressPolicy policy;
  policy.allow_special_use_domains = config_.mail.allow_special_use_domains;
  policy.allow_utf8_local_part = config_.mail.allow_utf8_local_part;
  auto email = address::parse_email(form.email, policy);
  if (!email) {
    errors.push_back({"email", "invalid_email", msg.msg_invalid_email});
  } else {
    request.email = email->normalized;
    request.email_display = email->display;
  }
  std::string name = form.name;
  while (!name.empty() && name.back() == ' ') name.pop_back();
  while (!name.empty() && name.front() == ' ') name.erase(0, 1);
  // A name reaches the To: header and the greeting: one line, as written.
  if (name.size() > kMaxNameBytes || has_unprintable_chars(name) || !is_valid_utf8(name)) {
    errors.push_back({"name", "invalid_name",
                      fmt::format("Please enter a name of at most {} characters.", kMaxNameBytes)});
  } else {
    request.name = name;
  }
  // Whether each slug names a public newsletter is decided by the sign-up's own
  // transaction (SignupRequest::newsletter_slugs), which spares the accepted sign-up a
  // store call per newsletter. Only a form refused anyway, and check(), read them here,
  // so that every error is still reported at once.
  const std::size_t newsletters_at = errors.size();
  bool newsletters_ok = false;
  if (form.newsletters.empty()) {
    errors.push_back({"newsletters", "no_newsletter", msg.msg_no_newsletter});
  } else if (form.newsletters.size() > kMaxNewsletters ||
             !std::all_of(form.newsletters.begin(), form.newsletters.end(),
                          [](const std::string& slug) { return validate_slug(slug); })) {
    errors.push_back({"newsletters", "unknown_newsletter", msg.msg_unknown_newsletter});
  } else {
    newsletters_ok = true;
    for (const auto& slug : form.newsletters) {
      auto& chosen = request.newsletter_slugs;
      if (std::find(chosen.begin(), chosen.end(), slug) == chosen.end()) chosen.push_back(slug);
    }
  }
  if (form.altcha.empty()) {
    errors.push_back({"altcha", "robot_check_failed", msg.msg_robot_check_failed});
  } else if (auto solved = robot::verify_solution(form.altcha, keys_.robot, clock_); !solved) {
    errors.push_back({"altcha", "robot_check_failed", msg.msg_robot_check_failed});
  } else {
    request.challenge_id = solved->challenge_id;
    request.challenge_expires_at = solved->expires_at;
  }
  if (newsletters_ok && (read_newsletters || !errors.empty())) {
    for (const auto& slug : request.newsletter_slugs) {
      auto n = store_.newsletters.newsletter_by_slug(slug);
      if (n && n->is_public) continue;
      if (n.ok() || n.error().code == Errc::not_found) {
        errors.insert(errors.begin() + static_cast<std::ptrdiff_t>(newsletters_at),
                      {"newsletters", "unknown_newsletter", msg.msg_unknown_newsletter});
        break;
      }
      return {{"", "internal", msg.msg_internal}};
    }
  }
  // The browser's zone is a convenience: an unknown one is dropped, not an error.
  if (auto zone = schedule::canonical_timezone(form.timezone.substr(0, 128)))
    request.timezone = *zone;
  request.marketing = form.marketing && !config_.signup.marketing_text.empty();
  request.consent_version = config_.signup.consent_version;
  request.source_page = form.page.substr(0, kMaxPageBytes);
  if (has_unprintable_chars(request.source_page) || !is_valid_utf8(request.source_page)) {
    request.source_page.clear();
  }
  request.client_address = stored_client_address(form.client_ip);
  return errors;
}

bool SignupService::exhausted(const std::string& client) {
  return config_.signup.rate_limits &&
         (per_client_.exhausted(client) || garbage_per_client_.exhausted(client));
}

SignupAnswer SignupService::rate_limited() const {
  const auto& msg = config_.signup.msg_rate_limited;
  return SignupAnswer{429, {{"", "rate_limited", msg}}, msg};
}

SignupAnswer SignupService::refuse(const SignupForm& form, std::vector<FieldError> type_errors) {
  const std::string client = http::client_key(form.client_ip);
  if (exhausted(client)) return rate_limited();
  if (config_.signup.rate_limits && !garbage_per_client_.allow(client)) return rate_limited();
  // Report every error at once: the wrongly typed fields, and what else is wrong.
  store::SignupRequest request;
  for (auto& e : validate(form, request, true)) {
    bool covered = std::any_of(type_errors.begin(), type_errors.end(),
                               [&](const FieldError& t) { return t.field == e.field; });
    if (!covered) type_errors.push_back(std::move(e));
  }
  return SignupAnswer{422, std::move(type_errors), ""};
}

SignupAnswer SignupService::submit(const SignupForm& form, const std::string& request_id) {
  const auto& msg = config_.signup;
  auto fault = [&](const std::string& what) {
    spdlog::error("request {}: sign-up failed: {}", request_id, what);
    return SignupAnswer{500, {{"", "internal", msg.msg_internal}}, msg.msg_internal};
  };
  const std::string client = http::client_key(form.client_ip);
  if (exhausted(client)) return rate_limited();

  // Counted as garbage before any work, so that a burst of requests at once cannot
  // run more checks than the limit; moved to the real attempts once the robot check
  // is known to hold.
  if (config_.signup.rate_limits && !garbage_per_client_.allow(client)) return rate_limited();
  store::SignupRequest request;
  auto errors = validate(form, request, false);
  if (config_.signup.rate_limits && !request.challenge_id.empty()) {
    garbage_per_client_.refund(client);
    if (!per_client_.allow(client)) return rate_limited();
  }
  for (const auto& e : errors) {
    if (e.code == "internal") return fault("reading newsletters");
  }
  if (!errors.empty()) return SignupAnswer{422, std::move(errors), ""};
  // Per mailbox, whatever the case of the spelling (the stricter reading of the rule).
  if (config_.signup.rate_limits && !per_email_.allow(address::mailbox_key(
                                        request.email, address::MailboxMatch::ignore_local_case))) {
    return rate_limited();
  }

  // Spent challenges are kept only until they expire; sweep them now and then.
  if (UnixSeconds now = clock_.now(), last = last_purge_.load();
      now - last >= 60 && last_purge_.compare_exchange_strong(last, now)) {
    if (auto st = store_.signups.purge_spent_challenges(now); !st) {
      spdlog::warn("purging spent robot challenges: {}", st.error().message);
    }
  }
  // The robot check (verified by validate()) is spent inside the sign-up's own
  // transaction, so it costs no commit of its own and is spent only when the sign-up
  // is recorded.
  // The DNS lookup comes last: only a client that paid the proof of work can make the
  // server wait on someone's name servers.
  if (config_.mail.check_mx) {
    // Only a domain known not to take mail is refused: a DNS hiccup must not lose a reader.
    std::string domain = request.email.substr(request.email.rfind('@') + 1);
    auto verdict = address::check_deliverable(domain, {.dns_servers = config_.mail.dns_servers});
    if (verdict.deliverability == address::Deliverability::undeliverable) {
      return SignupAnswer{422, {{"email", "invalid_email", msg.msg_invalid_email}}, ""};
    }
    if (verdict.deliverability == address::Deliverability::unknown) {
      spdlog::warn("MX check of {} inconclusive ({}); sign-up accepted", domain, verdict.reason);
    }
  }

  request.resend_after = clock_.now() - config_.signup.resend_window + 1;
  std::string slugs;
  for (const auto& slug : request.newsletter_slugs) slugs += (slugs.empty() ? "" : ",") + slug;
  request.audit_detail = fmt::format("newsletters={} page={}", slugs, request.source_page);
  // The emails the sign-up makes due are queued in its own transaction, and sent by
  // the mail queue sender once it is committed: nothing is written to disk here
  // beyond the group's one commit.
  auto outcome = store_.signups.record_signup(request);
  if (outcome && outcome->challenge_spent_before) {
    return SignupAnswer{422, {{"altcha", "robot_check_failed", msg.msg_robot_check_failed}}, ""};
  }
  if (!outcome && outcome.error().code == Errc::not_found) {  // a slug of no public newsletter
    return SignupAnswer{
        422, {{"newsletters", "unknown_newsletter", msg.msg_unknown_newsletter}}, ""};
  }
  if (!outcome) return fault(outcome.error().message);
  if (outcome->suppressed) {  // told to check the address, not why; nothing is sent
    return SignupAnswer{422, {{"email", "check_address", msg.msg_check_address}}, ""};
  }
  return SignupAnswer{202, {}, msg.msg_success};
}

}  // namespace broadsheet::web
