// The signature checks of provider webhooks, over OpenSSL: what each provider signs is
// assembled by the caller (sns.hpp, receiver.cpp); these only say whether a signature
// over those bytes verifies. Each answers false for anything malformed (a key, a
// certificate or a signature that does not parse is a refusal, never an exception).
// Pure functions; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace broadsheet::webhooks {

enum class RsaDigest { sha1, sha256 };

// What an X.509 certificate in PEM says of itself.
struct CertificateFacts {
  std::string common_name;  // of the subject
  UnixSeconds not_before = 0, not_after = 0;
  bool rsa = false;  // its key is an RSA key
};
std::optional<CertificateFacts> certificate_facts(std::string_view pem);

// RSA PKCS#1 v1.5 signature `signature` (raw bytes) over `data` by the certificate's key.
bool verify_rsa(std::string_view certificate_pem, RsaDigest digest, std::string_view data,
                std::string_view signature);

// ECDSA P-256 with SHA-256: `public_key_der` a SubjectPublicKeyInfo on prime256v1,
// `signature` DER (r, s). Any other curve or key type is refused.
bool verify_ecdsa_p256(std::string_view public_key_der, std::string_view data,
                       std::string_view signature);

// True when `der` is a SubjectPublicKeyInfo of an ECDSA key on prime256v1.
bool is_p256_public_key(std::string_view der);

// Comparisons that take the same time whatever the first difference.
bool equal_secret(std::string_view a, std::string_view b);

}  // namespace broadsheet::webhooks
