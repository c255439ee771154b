#include "webhooks/signatures.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <ctime>
#include <memory>

namespace broadsheet::webhooks {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(BIO* b) const { BIO_free(b); }
  void operator()(X509* x) const { X509_free(x); }
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

Owned<X509> read_certificate(std::string_view pem) {
  if (pem.empty() || pem.size() > 64 * 1024) return nullptr;
  Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return Owned<X509>(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

std::optional<UnixSeconds> seconds_of(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return static_cast<UnixSeconds>(timegm(&tm));
}

bool verify_with(EVP_PKEY* key, const EVP_MD* md, std::string_view data,
                 std::string_view signature) {
  Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1) return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                          data.size()) == 1;
}

}  // namespace

std::optional<CertificateFacts> certificate_facts(std::string_view pem) {
  auto cert = read_certificate(pem);
  if (!cert) return std::nullopt;
  CertificateFacts f;
  std::array<char, 256> cn{};
  const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName,
                                          cn.data(), static_cast<int>(cn.size()));
  if (n > 0) f.common_name.assign(cn.data(), static_cast<std::size_t>(n));
  auto from = seconds_of(X509_get0_notBefore(cert.get()));
  auto until = seconds_of(X509_get0_notAfter(cert.get()));
  if (!from || !until) return std::nullopt;
  f.not_before = *from;
  f.not_after = *until;
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  f.rsa = key != nullptr && EVP_PKEY_base_id(key) == EVP_PKEY_RSA;
  return f;
}

bool verify_rsa(std::string_view certificate_pem, RsaDigest digest, std::string_view data,
                std::string_view signature) {
  auto cert = read_certificate(certificate_pem);
  if (!cert) return false;
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (key == nullptr || EVP_PKEY_base_id(key) != EVP_PKEY_RSA) return false;
  return verify_with(key, digest == RsaDigest::sha1 ? EVP_sha1() : EVP_sha256(), data, signature);
}

namespace {

Owned<EVP_PKEY> p256_key(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Owned<EVP_PKEY> key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key || EVP_PKEY_base_id(key.get()) != EVP_PKEY_EC) return nullptr;
  std::array<char, 64> group{};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(key.get(), group.data(), group.size(), &len) != 1 ||
      std::string_view(group.data(), len) != "prime256v1") {
    return nullptr;
  }
  return key;
}

}  // namespace

bool is_p256_public_key(std::string_view der) { return p256_key(der) != nullptr; }

bool verify_ecdsa_p256(std::string_view public_key_der, std::string_view data,
                       std::string_view signature) {
  auto key = p256_key(public_key_der);
  return key && verify_with(key.get(), EVP_sha256(), data, signature);
}

bool equal_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace broadsheet::webhooks
