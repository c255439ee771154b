// The poller's MailboxClient over libcurl's IMAP and POP3 (poller.hpp says what is
// done with the mail; this says how it is fetched and deleted).
//
// IMAP (imaps://): the folder is selected, "UID FETCH 1:* (UID RFC822.SIZE)" lists it,
// each message is fetched by its UID (BODY[]), and deleting is "UID STORE ... +FLAGS.SILENT
// (\Deleted)" then "UID EXPUNGE ..." (RFC 4315), so only the messages handled go even
// when others are marked deleted; a server without UIDPLUS gets a plain EXPUNGE.
// POP3 (pop3s://): LIST, RETR, DELE; the server removes the DELE'd messages when the
// session ends with QUIT, which the client's destructor sends.
// One connection per client (libcurl reuses it between the calls), TLS always, the
// server's certificate verified against `ca_file` or the system's roots; the password
// is handed to libcurl apart from the URL and never logged. No other protocol.
//
// Bounded: connect timeout, a transfer making no progress for `timeout` ends it, a
// message larger than asked ends its fetch, a listing is read up to 8 MiB. Each call
// watches the stop flag and ends within about a second of it being set.
// Errors, one line naming the key to change:
//   "inbound.mailbox: cannot connect to HOST:PORT: ..."
//   "inbound.mailbox_password_file: HOST refused the login of USER ..."
//   "inbound.mailbox_ca_file: the certificate of HOST is not trusted: ..."
//   "inbound.mailbox: HOST has no folder FOLDER"
// as Errc::config for what only a change of configuration mends, Errc::io otherwise.
// Thread-safety: one client is used by one thread at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "config/mailbox_url.hpp"
#include "inbound/poller.hpp"

namespace broadsheet::inbound {

struct CurlMailboxOptions {
  MailboxUrl url;
  std::string password;
  std::string ca_file;  // absolute; "" = the system's roots
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{60'000};  // without progress
};

// `[inbound] mailbox`, its password file (read with read_secret_line) and CA file, as
// options. Errc::config naming the key: no mailbox, a malformed one, no or an
// unreadable password file.
Result<CurlMailboxOptions> curl_mailbox_options_from(const Config& config);

// REQUIRES: `stop` outlives the client.
Result<std::unique_ptr<MailboxClient>> open_curl_mailbox(const CurlMailboxOptions& options,
                                                         const std::atomic<bool>& stop);

}  // namespace broadsheet::inbound
