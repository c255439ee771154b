// OpenSSL pieces shared by the DKIM key code (dkim_key.cpp) and the signer (dkim.cpp):
// owning pointers, base64 without line breaks, and reading a PEM private key. Internal
// to src/mail.
//
// Pure functions; safe from any thread.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mail/dkim_key.hpp"

namespace broadsheet::mail_detail {

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

}  // namespace broadsheet::mail_detail
