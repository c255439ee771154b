#include "dkim/key.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "core/secret_file.hpp"
#include "core/text.hpp"
#include "dkim/openssl.hpp"

namespace broadsheet::dkim {
namespace {

using detail::base64;
using detail::Bio;
using detail::Pkey;
using detail::unbase64;

constexpr int kMinRsaBits = 1024;  // RFC 8301 section 3.2
constexpr int kNewRsaBits = 2048;
constexpr std::size_t kMaxKeyFile = std::size_t{64} * 1024;

// The p= value of a public key: SubjectPublicKeyInfo for RSA, raw bytes for Ed25519.
std::optional<std::string> public_key_text(EVP_PKEY* pkey, DkimAlgorithm algorithm) {
  if (algorithm == DkimAlgorithm::ed25519_sha256) {
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 || len != sizeof raw) {
      return std::nullopt;
    }
    return base64(raw, len);
  }
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey, &der);
  if (len <= 0) return std::nullopt;
  std::string out = base64(der, static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

// RFC 6376 section 3.2 tag=value list; nullopt when malformed or a tag repeats.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_tag_list(
    std::string_view text) {
  std::vector<std::pair<std::string, std::string>> tags;
  auto specs = split_at(text, ';');
  for (std::size_t i = 0; i < specs.size(); ++i) {
    std::string_view spec = trim_whitespace(specs[i]);
    if (spec.empty()) {
      if (i + 1 == specs.size()) break;  // a final ';' is allowed
      return std::nullopt;
    }
    auto eq = spec.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string name(trim_whitespace(spec.substr(0, eq)));
    std::string value(trim_whitespace(spec.substr(eq + 1)));
    if (name.empty()) return std::nullopt;
    for (const auto& [n, v] : tags) {
      if (n == name) return std::nullopt;
    }
    tags.emplace_back(std::move(name), std::move(value));
  }
  return tags;
}

bool list_has(std::string_view list, std::string_view wanted) {
  for (std::string_view item : split_at(list, ':')) {
    if (trim_whitespace(item) == wanted) return true;
  }
  return false;
}

// A published p= value as a key, re-encoded as ours is, so that equal keys compare
// equal even when the record uses a PKCS#1 RSAPublicKey rather than a
// SubjectPublicKeyInfo.
std::optional<std::string> normalise_published_key(const std::string& der,
                                                   DkimAlgorithm algorithm) {
  if (algorithm == DkimAlgorithm::ed25519_sha256) {
    if (der.size() != 32) return std::nullopt;
    return base64(reinterpret_cast<const unsigned char*>(der.data()), der.size());
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Pkey pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!pkey) {
    p = reinterpret_cast<const unsigned char*>(der.data());
    pkey.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size())));
  }
  if (!pkey || EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA) return std::nullopt;
  return public_key_text(pkey.get(), algorithm);
}

// PKCS#8 PEM of a private key; nullopt if OpenSSL fails.
std::optional<std::string> private_pem(EVP_PKEY* pkey) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return std::nullopt;
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<std::size_t>(len));
  OPENSSL_cleanse(data, static_cast<std::size_t>(len));
  return pem;
}

}  // namespace

Result<std::string> generate_dkim_key_pem(DkimAlgorithm algorithm) {
  Pkey pkey(algorithm == DkimAlgorithm::rsa_sha256
                ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(kNewRsaBits))
                : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!pkey) return make_error(Errc::internal, "OpenSSL could not generate a key");
  auto pem = private_pem(pkey.get());
  if (!pem) return make_error(Errc::internal, "OpenSSL could not write the key");
  return std::move(*pem);
}

Result<DkimKey> parse_dkim_key(std::string_view pem, DkimAlgorithm algorithm,
                               std::string_view origin) {
  auto bad = [&](std::string_view why) {
    return make_error(Errc::config, fmt::format("DKIM key {}: {}", origin, why));
  };
  if (trim_whitespace(pem).rfind("-----BEGIN ", 0) != 0) return bad("not a PEM private key");
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey pkey(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!pkey) return bad("not a PEM private key (or one protected by a passphrase)");
  int want = algorithm == DkimAlgorithm::rsa_sha256 ? EVP_PKEY_RSA : EVP_PKEY_ED25519;
  if (EVP_PKEY_get_base_id(pkey.get()) != want) {
    return bad(fmt::format("not an {} key", dkim_algorithm_name(algorithm)));
  }
  DkimKey key;
  key.algorithm = algorithm;
  key.bits = EVP_PKEY_get_bits(pkey.get());
  if (algorithm == DkimAlgorithm::rsa_sha256 && key.bits < kMinRsaBits) {
    return bad(fmt::format("an RSA key of {} bits is too weak; use at least {} (2048 advised)",
                           key.bits, kMinRsaBits));
  }
  auto pub = public_key_text(pkey.get(), algorithm);
  if (!pub) return bad("its public key cannot be derived");
  key.public_key = std::move(*pub);
  // Kept as PKCS#8 PEM whatever form the file used, so the signer sees one form.
  auto kept = private_pem(pkey.get());
  if (!kept) return bad("cannot re-encode the key");
  key.pem = std::move(*kept);
  return key;
}

Result<DkimKey> load_dkim_key_file(const std::string& path, DkimAlgorithm algorithm) {
  auto text = read_secret_file({path, "DKIM key file", kMaxKeyFile, ""});
  if (!text) return text.error();
  auto key = parse_dkim_key(*text, algorithm, path);
  OPENSSL_cleanse(text->data(), text->size());
  return key;
}

Status write_private_file(const std::string& path, std::string_view content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(Errc::io, fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  }
  // The umask may not take bits away that matter here, but a wider one must not add any.
  bool ok = ::fchmod(fd, 0600) == 0;
  std::size_t done = 0;
  while (ok && done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(path.c_str());
    return make_error(Errc::io, fmt::format("cannot write {}", path));
  }
  return {};
}

std::string dkim_record_name(std::string_view selector, std::string_view domain) {
  return fmt::format("{}._domainkey.{}", selector, domain);
}

std::string dkim_txt_record(const DkimKey& key) {
  return fmt::format("v=DKIM1; k={}; p={}", dkim_algorithm_name(key.algorithm), key.public_key);
}

std::string dkim_zone_line(std::string_view selector, std::string_view domain, const DkimKey& key) {
  std::string value = dkim_txt_record(key);
  std::string line = dkim_record_name(selector, domain) + ". IN TXT";
  for (std::size_t at = 0; at < value.size(); at += 255) {
    line += fmt::format(" \"{}\"", value.substr(at, 255));  // the value holds no '"' or '\'
  }
  return line;
}

DkimRecordCheck check_dkim_record(std::string_view published, const DkimKey& key) {
  auto tags = parse_tag_list(published);
  if (!tags) return {DkimRecordVerdict::malformed, "the record is not a tag=value list"};
  auto find = [&](std::string_view name) -> const std::string* {
    for (const auto& [n, v] : *tags) {
      if (n == name) return &v;
    }
    return nullptr;
  };
  if (const auto* v = find("v"); v && *v != "DKIM1") {
    return {DkimRecordVerdict::malformed, fmt::format("v={} is not DKIM1", *v)};
  }
  const std::string* p = find("p");
  if (!p) return {DkimRecordVerdict::malformed, "the record has no p= tag"};
  std::string k = find("k") ? *find("k") : "rsa";
  if (k != dkim_algorithm_name(key.algorithm)) {
    return {DkimRecordVerdict::other_key, fmt::format("the record is for k={}, the key is {}", k,
                                                      dkim_algorithm_name(key.algorithm))};
  }
  if (const auto* h = find("h"); h && !list_has(*h, "sha256")) {
    return {DkimRecordVerdict::other_key, fmt::format("h={} does not allow sha256", *h)};
  }
  if (const auto* s = find("s"); s && !list_has(*s, "email") && !list_has(*s, "*")) {
    return {DkimRecordVerdict::other_key, fmt::format("s={} does not allow email", *s)};
  }
  std::string compact;
  for (char c : *p) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') compact += c;
  }
  if (compact.empty())
    return {DkimRecordVerdict::revoked, "the record revokes the key (p= is empty)"};
  auto der = unbase64(compact);
  if (!der) return {DkimRecordVerdict::malformed, "p= is not base64"};
  auto published_key = normalise_published_key(*der, key.algorithm);
  if (!published_key) return {DkimRecordVerdict::malformed, "p= is not a public key"};
  if (*published_key != key.public_key) {
    return {DkimRecordVerdict::other_key, "the record publishes a different key"};
  }
  std::string note = "the published key matches";
  if (const auto* t = find("t"); t && list_has(*t, "y"))
    note += " (t=y: verifiers treat it as a test)";
  return {DkimRecordVerdict::matches, note};
}

}  // namespace broadsheet::dkim
