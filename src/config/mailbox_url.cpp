#include "config/mailbox_url.hpp"

#include <fmt/format.h>

#include <cctype>
#include <optional>

#include "core/text.hpp"

namespace broadsheet {
namespace {

Error refused(std::string_view why) { return make_error(Errc::invalid_argument, std::string(why)); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; nullopt for a broken escape or a control character.
std::optional<std::string> decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
    out.push_back(c);
  }
  return out;
}

std::string encoded(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

bool host_ok(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '-' && c != '.' && c != ':') return false;
  }
  return true;
}

}  // namespace

std::string MailboxUrl::display() const {
  const bool v6 = host.find(':') != std::string::npos;
  const std::string h = v6 ? "[" + host + "]" : host;
  if (protocol == MailboxProtocol::pop3) return fmt::format("pop3s://{}@{}:{}", user, h, port);
  return fmt::format("imaps://{}@{}:{}/{}", user, h, port, folder);
}

std::string MailboxUrl::server_url() const {
  const bool v6 = host.find(':') != std::string::npos;
  const std::string h = v6 ? "[" + host + "]" : host;
  if (protocol == MailboxProtocol::pop3) return fmt::format("pop3s://{}:{}/", h, port);
  return fmt::format("imaps://{}:{}/{}", h, port, encoded(folder));
}

Result<MailboxUrl> parse_mailbox_url(std::string_view url) {
  MailboxUrl out;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return refused(
        R"(not a URL; write "imaps://USER@HOST[:PORT][/FOLDER]" or "pop3s://USER@HOST[:PORT]")");
  }
  const std::string_view scheme = url.substr(0, scheme_end);
  if (ascii_iequals(scheme, "imaps")) {
    out.protocol = MailboxProtocol::imap;
    out.port = 993;
  } else if (ascii_iequals(scheme, "pop3s")) {
    out.protocol = MailboxProtocol::pop3;
    out.port = 995;
  } else if (ascii_iequals(scheme, "imap") || ascii_iequals(scheme, "pop3")) {
    return refused(fmt::format(
        "{}:// is refused: the password and the mail would cross the network in clear; use "
        "{}s:// (TLS)",
        scheme, scheme));
  } else {
    return refused(fmt::format("the scheme \"{}\" is neither imaps nor pop3s", scheme));
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return refused("a query or fragment has no meaning here");
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos || at == 0) {
    return refused("no user: write USER@ before the host");
  }
  const std::string_view userinfo = authority.substr(0, at);
  if (userinfo.find(':') != std::string_view::npos) {
    return refused(
        "a password in the URL is refused (logs would show it): put it in the file named by "
        "inbound.mailbox_password_file");
  }
  auto user = decoded(userinfo);
  if (!user || user->empty()) return refused("the user is malformed");
  out.user = std::move(*user);
  std::string_view hostport = authority.substr(at + 1);
  std::string_view port_text;
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) return refused("an IPv6 host lacks its ']'");
    out.host = std::string(hostport.substr(1, close - 1));
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return refused("text after the IPv6 host");
      port_text = after.substr(1);
    }
  } else {
    const auto colon = hostport.find(':');
    out.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) port_text = hostport.substr(colon + 1);
    if (out.host.find(':') != std::string::npos) return refused("the host is malformed");
  }
  if (!host_ok(out.host)) return refused("the host is missing or malformed");
  if (!port_text.empty() || hostport.ends_with(":")) {
    unsigned port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) return refused("the port is not a number 1-65535");
      port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (port_text.empty() || port == 0 || port > 65535) {
      return refused("the port is not a number 1-65535");
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  if (out.protocol == MailboxProtocol::pop3) {
    if (!path.empty()) return refused("a pop3s:// URL names no folder (POP3 has one mailbox)");
    return out;
  }
  auto folder = decoded(path);
  if (!folder) return refused("the folder is malformed");
  if (folder->find(';') != std::string::npos) return refused("the folder may not contain ';'");
  out.folder = folder->empty() ? "INBOX" : std::move(*folder);
  return out;
}

}  // namespace broadsheet
