// Reading a secret file at start-up: the link key (hmac.key), the SMTP password, the
// DKIM private keys. The one reader of them all, so that each is checked the same way.
//
// The file is opened once (O_NOFOLLOW is not used: a link to a good file is fine), and
// the open file is checked with fstat, then read from the same descriptor: a regular
// file, no permission bits for group or others (mode 0600 or stricter), at most
// `max_bytes`. There is no window between the check and the read in which the path
// could be swapped for another file.
//
// Errors are Errc::config values naming the file as `what` and its path:
//   "WHAT PATH does not exist" (then `missing_hint`, e.g. "; run `broadsheet init`")
//   "cannot read WHAT PATH: REASON"
//   "WHAT PATH is not a regular file"
//   "WHAT PATH is open to others (mode 0644); it must be readable by its owner only:
//    chmod 600 PATH"
//   "WHAT PATH is too large"
// The content is a secret: never log it, and wipe it (OPENSSL_cleanse) when done.
// Safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace broadsheet {

struct SecretFile {
  std::string path;
  std::string_view what;              // names the file in messages: "DKIM key file"
  std::size_t max_bytes = 64 * 1024;  // a larger file is refused
  std::string_view missing_hint;      // appended when the file does not exist
};

// The whole content of the file.
Result<std::string> read_secret_file(const SecretFile& file);

// The first line of the file, without its CR LF or LF.
Result<std::string> read_secret_line(const SecretFile& file);

// A password file (smtp.password_file, inbound.mailbox_password_file): its first line,
// refused when empty ("WHAT: PATH starts with an empty line").
Result<std::string> read_password_line(const SecretFile& file);

}  // namespace broadsheet
