#include "store/mailbox_keys.hpp"

#include "core/encoding.hpp"

namespace broadsheet::store {

std::string suppression_hash(std::string_view mailbox_key) {
  return hmac_sha256_hex("broadsheet mailbox suppression v1", mailbox_key);
}

}  // namespace broadsheet::store
