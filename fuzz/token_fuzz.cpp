// The link-token decoder on any bytes (what arrives in /confirm/, /u/, /p/): it never
// crashes and never accepts a token it did not sign. Inputs that start with a valid
// token's prefix are mutated from real tokens in the seed corpus.
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "links/token.hpp"

using namespace broadsheet;

namespace {
const std::string kKey(32, 'k');
}

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  auto input = fuzz::as_text(data, size);
  for (auto purpose : {links::TokenPurpose::confirm, links::TokenPurpose::unsubscribe,
                       links::TokenPurpose::preferences, links::TokenPurpose::delivery}) {
    auto claims = links::verify_token(input, purpose, kKey, 1'000'000);
    if (!claims) continue;
    // Accepted: then it must be exactly what signing those claims gives.
    fuzz::require(links::sign_token(*claims, kKey) == input, "only signed tokens are accepted");
  }
  return 0;
}
