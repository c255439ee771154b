// The emails the reader side sends on its own: the confirmation of a sign-up.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/types.hpp"

namespace broadsheet::web {

struct ConfirmationEmail {
  std::string to_address, to_name;
  std::vector<Newsletter> newsletters;  // those awaiting confirmation
  std::string confirm_url, preferences_url, unsubscribe_url;
  UnixSeconds now = 0;
  int expiry_days = 7;
};

// The complete message (mime/mime.hpp), ready for a Transport.
Result<std::string> build_confirmation_email(const Config& config, const ConfirmationEmail& e);

struct WelcomeEmail {
  std::string to_address, to_name;
  Newsletter newsletter;  // with its welcome_subject and welcome_body
  std::string preferences_url, unsubscribe_url;
  UnixSeconds now = 0;
};

// The newsletter's welcome email, from the newsletter's own sender when it has one.
Result<std::string> build_welcome_email(const Config& config, const WelcomeEmail& e);

// Links in emails: BASE_URL + path.
std::string confirm_url(const Config& config, const std::string& token);
std::string unsubscribe_url(const Config& config, const std::string& token);
std::string preferences_url(const Config& config, const std::string& token);

}  // namespace broadsheet::web
