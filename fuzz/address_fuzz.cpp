// The address validator on any bytes: it never crashes, what it accepts is within the
// RFC 5321 sizes, and normalising is idempotent (the stored form parses to itself).
#include "address/address.hpp"
#include "core/types.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace broadsheet;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  auto input = fuzz::as_text(data, size);
  for (bool utf8 : {false, true}) {
    address::AddressPolicy policy{.allow_special_use_domains = true, .allow_utf8_local_part = utf8};
    auto parsed = address::parse_email(input, policy);
    if (!parsed) {
      fuzz::require(parsed.error().message.size() < 400, "error messages stay short");
      continue;
    }
    fuzz::require(parsed->normalized.size() <= 254, "at most 254 octets");
    fuzz::require(parsed->local_part.size() <= 64, "local part at most 64 octets");
    fuzz::require(is_valid_utf8(parsed->display), "display form is UTF-8");
    auto again = address::parse_email(parsed->normalized, policy);
    fuzz::require(again.ok(), "the normalised form is accepted");
    fuzz::require(again->normalized == parsed->normalized, "normalising is idempotent");
  }
  return 0;
}
