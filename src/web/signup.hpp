// Reader sign-up: validates what the box posts (address, newsletters, robot check,
// consent), applies rate limits, and records the sign-up durably together with the
// emails it makes due (the store's mail queue). Used by both the JSON API and the plain
// HTML form. The emails themselves are rendered and sent on the sending side
// (send/reader_emails.hpp, send/mail_queue.hpp).
//
// Trusts nothing in the form. Answers the same whatever the state of the address
// (new, unconfirmed, confirmed, unsubscribed, blocked), so no answer tells whether an
// address is on a list; the one exception is a suppressed address (it bounced,
// complained, or the publisher suppressed it), which is told to check the address
// (code check_address, signup.msg_check_address) without saying why, and is sent
// nothing. Faults are logged with the request id; the reader sees only
// the configured "internal" message. Thread-safe.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "http/rate_limiter.hpp"
#include "robot/altcha.hpp"
#include "store/newsletters.hpp"
#include "store/signups.hpp"

namespace broadsheet::web {

struct SignupForm {
  std::string email, name, altcha, timezone, page, consent_version;
  std::vector<std::string> newsletters;  // slugs
  bool marketing = false;
  std::string client_ip;
};

struct FieldError {
  std::string field;  // "email", "name", "newsletters", "altcha", or "" for the form
  std::string code;   // invalid_email, no_newsletter, unknown_newsletter, ...
  std::string message;
};

struct SignupAnswer {
  int status = 202;  // 202 accepted, 422 invalid, 429 rate limited, 500 fault
  std::vector<FieldError> errors;
  std::string message;  // the success text, or the one error line for 429/500
};

// Secrets and services the reader side needs, built once at start.
struct ReaderKeys {
  std::string link_key;  // signs confirm/unsubscribe/preferences tokens
  robot::RobotConfig robot;
};

class SignupService {
 public:
  // The roles of the store it uses: the public newsletters, and the sign-ups.
  struct Roles {
    store::Newsletters& newsletters;
    store::Signups& signups;
  };

  SignupService(const Config& config, Roles store, const Clock& clock, ReaderKeys keys);

  SignupAnswer submit(const SignupForm& form, const std::string& request_id);

  // The 422 for a form that cannot be submitted because its body had wrongly typed
  // fields (`type_errors`), with the errors submit() would report for the rest of
  // `form` added. It costs what submit() costs, so it is rate limited like a sign-up
  // without a valid robot check (429 when the client's limit is reached).
  SignupAnswer refuse(const SignupForm& form, std::vector<FieldError> type_errors);

  // The ALTCHA challenge for `?v=`; Errc::invalid_argument for a bad version.
  Result<boost::json::object> challenge(std::string_view version);

  const ReaderKeys& keys() const { return keys_; }

 private:
  // Checks `form` and fills `request` (with the robot check's challenge when it
  // holds). Whether the newsletters exist is read from the store only when
  // `read_newsletters` or another error is found; else record_signup decides it.
  std::vector<FieldError> validate(const SignupForm& form, store::SignupRequest& request,
                                   bool read_newsletters);
  std::string stored_client_address(const std::string& ip) const;

  const Config& config_;
  Roles store_;
  const Clock& clock_;
  ReaderKeys keys_;
  // Whether `client` has used up either of its budgets for now: checked before any work.
  bool exhausted(const std::string& client);
  SignupAnswer rate_limited() const;

  // Per client (http::client_key): attempts with a valid robot check, and, apart, those
  // without one (missing, wrong, expired, or a malformed body), so that neither kind
  // fills the other's table and a client that sends garbage cannot make
  // verification work beyond its own small budget.
  http::RateLimiter per_client_;
  http::RateLimiter garbage_per_client_;
  http::RateLimiter per_email_;
  std::atomic<UnixSeconds> last_purge_{0};
};

// Reads the link key from DATA/SECRETS/hmac.key, refusing a file others can read.
Result<ReaderKeys> load_reader_keys(const Config& config);

}  // namespace broadsheet::web
