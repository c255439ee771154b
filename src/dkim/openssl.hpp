// OpenSSL pieces shared by the DKIM key code (key.cpp) and the signer (signer.cpp):
// owning pointers, base64 without line breaks, and reading a PEM private key. Internal
// to src/dkim (namespace dkim::detail).
//
// Pure functions; safe from any thread.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dkim/key.hpp"

namespace broadsheet::dkim::detail {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

std::string base64(const unsigned char* data, std::size_t size);
// nullopt unless `text` is padded base64 without whitespace.
std::optional<std::string> unbase64(std::string_view text);

// The private key in `pem` if it is one of `algorithm`'s kind, else null.
Pkey read_private_key(std::string_view pem, DkimAlgorithm algorithm);

}  // namespace broadsheet::dkim::detail
