// The envelope sender (MAIL FROM) of every message Broadsheet sends: a VERP return
// path "bounce+TOKEN@DOMAIN" (links/token.hpp) naming the copy, so that the bounce
// that comes back to it names its delivery (src/bounce/). DOMAIN is `[bounce] domain`,
// or the domain of the message's From address when that is empty.
// Pure; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "links/token.hpp"

namespace broadsheet::send {

// `from_address` is the message's From address ("" when it has none: the null sender).
std::string return_path(const Config& config, const links::ReturnClaims& claims,
                        std::string_view link_key, std::string_view from_address);

}  // namespace broadsheet::send
