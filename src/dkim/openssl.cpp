#include "dkim/openssl.hpp"

#include <openssl/pem.h>

#include "core/encoding.hpp"

namespace broadsheet::dkim::detail {

std::string base64(const unsigned char* data, std::size_t size) {
  return base64_encode(std::string_view(reinterpret_cast<const char*>(data), size));
}

std::optional<std::string> unbase64(std::string_view text) {
  if (text.empty()) return std::nullopt;
  return base64_decode_padded(text);
}

Pkey read_private_key(std::string_view pem, DkimAlgorithm algorithm) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey pkey(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  int want = algorithm == DkimAlgorithm::rsa_sha256 ? EVP_PKEY_RSA : EVP_PKEY_ED25519;
  if (!pkey || EVP_PKEY_get_base_id(pkey.get()) != want) return nullptr;
  return pkey;
}

}  // namespace broadsheet::dkim::detail
