// A mailbox as written in a From header or on the command line: "Name <addr>",
// "\"Name, Inc.\" <addr>" or a bare address. The display name must be one line.
#pragma once

#include <string>
#include <string_view>

#include "address/address.hpp"
#include "core/result.hpp"

namespace broadsheet::address {

struct Mailbox {
  std::string name;          // may be empty
  std::string address;       // normalised
  std::string text() const;  // "Name <address>" or "address"
};

Result<Mailbox> parse_mailbox(std::string_view text, const AddressPolicy& policy);

}  // namespace broadsheet::address
