#include "address/mailbox.hpp"

#include <fmt/format.h>

#include "core/types.hpp"

namespace broadsheet::address {

std::string Mailbox::text() const {
  if (name.empty()) return address;
  bool needs_quotes = name.find_first_of(",;:<>@\"()[]\\.") != std::string::npos;
  if (!needs_quotes) return fmt::format("{} <{}>", name, address);
  std::string quoted;
  for (char c : name) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return fmt::format("\"{}\" <{}>", quoted, address);
}

Result<Mailbox> parse_mailbox(std::string_view text, const AddressPolicy& policy) {
  if (has_control_chars(text)) {
    return make_error(Errc::invalid_argument,
                      "a mailbox must be one line without control characters");
  }
  Mailbox box;
  std::string_view addr = text;
  auto open = text.rfind('<');
  if (open != std::string_view::npos) {
    if (text.empty() || text.back() != '>') {
      return make_error(Errc::invalid_argument, "expected \"Name <address>\"");
    }
    addr = text.substr(open + 1, text.size() - open - 2);
    std::string_view name = text.substr(0, open);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
      for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\' && i + 1 < name.size()) ++i;
        box.name.push_back(name[i]);
      }
    } else {
      box.name = std::string(name);
    }
    if (!is_valid_utf8(box.name))
      return make_error(Errc::invalid_argument, "the name is not valid UTF-8");
    if (box.name.size() > 200)
      return make_error(Errc::invalid_argument, "the name is longer than 200 bytes");
  }
  auto email = parse_email(addr, policy);
  if (!email) return email.error();
  box.address = email->normalized;
  return box;
}

}  // namespace broadsheet::address
