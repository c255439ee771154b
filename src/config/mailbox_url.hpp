// The `inbound.mailbox` setting: the mailbox serve polls for bounces and unsubscribe
// mail (inbound/poller.hpp), as a URL. Parsed here so that checking a configuration
// needs neither libcurl nor the poller.
//
// Grammar (case does not matter in the scheme and host):
//   imaps://USER@HOST[:PORT][/FOLDER]   IMAP over TLS; PORT 993, FOLDER INBOX by default
//   pop3s://USER@HOST[:PORT][/]         POP3 over TLS; PORT 995
// USER and FOLDER may be percent-encoded (an address as user: "bounces%40example.org").
// HOST is a name, an IPv4 address or an IPv6 address in brackets.
//
// Refused, as Errc::invalid_argument saying why (callers name the key): plain imap:// and pop3://
// (the password and the mail would cross the network in clear; a server that offers only those is
// not polled), a password in the URL (it belongs in `inbound.mailbox_password_file`, where logs
// never show it), no user, a query or fragment, a folder with ';' (curl's URL options: UID,
// SECTION...) or control characters, anything after a POP3 URL's host. Pure functions; safe from
// any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace broadsheet {

enum class MailboxProtocol { imap, pop3 };

struct MailboxUrl {
  MailboxProtocol protocol = MailboxProtocol::imap;
  std::string user;  // decoded
  std::string host;  // as written, IPv6 without its brackets
  std::uint16_t port = 0;
  std::string folder;  // decoded; IMAP only ("INBOX" when none was given)

  // "imaps://USER@HOST:PORT/FOLDER": for logs (there is never a password in it).
  std::string display() const;
  // "imaps://HOST:PORT/FOLDER" with the folder percent-encoded, for libcurl (the user
  // and password are given to it apart).
  std::string server_url() const;
};

Result<MailboxUrl> parse_mailbox_url(std::string_view url);

}  // namespace broadsheet
