// DKIM keys: generation, key files and their permissions, the TXT record, and looking
// a record up in DNS (against a local responder). The dkim.keys setting is tested in
// config/dkim_keys_test.cpp.
#include "dkim/key.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "address/dns_test_server.hpp"
#include "address/mx.hpp"
#include "dkim/testing.hpp"

namespace broadsheet::dkim {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const DkimKey& test_key(DkimAlgorithm algorithm) { return testing::shared_key(algorithm); }

using testing::TempDir;

void write_with_mode(const std::string& path, const std::string& text, fs::perms mode) {
  std::ofstream(path, std::ios::binary) << text;
  fs::permissions(path, mode);
}

TEST(DkimKey, GeneratesRsa2048AndEd25519) {
  const DkimKey& rsa = test_key(DkimAlgorithm::rsa_sha256);
  EXPECT_EQ(rsa.bits, 2048);
  EXPECT_TRUE(rsa.pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
  // A SubjectPublicKeyInfo of a 2048-bit key: 294 bytes, 392 base64 characters.
  EXPECT_EQ(rsa.public_key.size(), 392u);
  EXPECT_TRUE(rsa.public_key.starts_with("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"));

  const DkimKey& ed = test_key(DkimAlgorithm::ed25519_sha256);
  EXPECT_EQ(ed.bits, 256);
  EXPECT_EQ(ed.public_key.size(), 44u);  // 32 raw bytes, RFC 8463 section 4.2

  auto again = generate_dkim_key_pem(DkimAlgorithm::ed25519_sha256);
  ASSERT_TRUE(again.ok());
  auto other = parse_dkim_key(*again, DkimAlgorithm::ed25519_sha256, "again");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->public_key, ed.public_key);
}

TEST(DkimKey, RefusesAKeyOfTheOtherAlgorithmOrNoKey) {
  auto e = parse_dkim_key(test_key(DkimAlgorithm::rsa_sha256).pem, DkimAlgorithm::ed25519_sha256,
                          "k.pem");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, Errc::config);
  EXPECT_EQ(e.error().message, "DKIM key k.pem: not an ed25519 key");
  EXPECT_FALSE(parse_dkim_key("hello", DkimAlgorithm::rsa_sha256, "x").ok());
  EXPECT_FALSE(parse_dkim_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                              DkimAlgorithm::rsa_sha256, "x")
                   .ok());
}

TEST(DkimKey, RefusesRsaKeysUnder1024Bits) {
  EVP_PKEY* small = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(768));
  ASSERT_NE(small, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, small, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(small);
  auto key = parse_dkim_key(pem, DkimAlgorithm::rsa_sha256, "small.pem");
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("768 bits is too weak"), std::string::npos);
}

TEST(DkimKeyFile, LoadsAnOwnerOnlyFile) {
  TempDir dir;
  auto path = dir.file("k.pem");
  ASSERT_TRUE(write_private_file(path, test_key(DkimAlgorithm::ed25519_sha256).pem).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  auto key = load_dkim_key_file(path, DkimAlgorithm::ed25519_sha256);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->public_key, test_key(DkimAlgorithm::ed25519_sha256).public_key);
  // 0400 is stricter still, and fine.
  fs::permissions(path, fs::perms::owner_read);
  EXPECT_TRUE(load_dkim_key_file(path, DkimAlgorithm::ed25519_sha256).ok());
}

TEST(DkimKeyFile, WritePrivateFileRefusesToReplace) {
  TempDir dir;
  auto path = dir.file("k.pem");
  ASSERT_TRUE(write_private_file(path, "one").ok());
  auto again = write_private_file(path, "two");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::io);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "one");
}

TEST(DkimKeyFile, RefusesAFileOthersMayRead) {
  TempDir dir;
  for (auto [mode, octal] : {std::pair{fs::perms(0644), "0644"},
                             {fs::perms(0640), "0640"},
                             {fs::perms(0604), "0604"},
                             {fs::perms(0610), "0610"}}) {
    auto path = dir.file(std::string("k") + octal + ".pem");
    write_with_mode(path, test_key(DkimAlgorithm::rsa_sha256).pem, mode);
    auto key = load_dkim_key_file(path, DkimAlgorithm::rsa_sha256);
    ASSERT_FALSE(key.ok()) << octal;
    EXPECT_EQ(key.error().code, Errc::config);
    EXPECT_EQ(key.error().message, "DKIM key file " + path + " is open to others (mode " + octal +
                                       "); it must be readable by its owner only: chmod 600 " +
                                       path);
  }
}

TEST(DkimKeyFile, RefusesAMissingFileOrAFolder) {
  TempDir dir;
  auto missing = load_dkim_key_file(dir.file("none.pem"), DkimAlgorithm::rsa_sha256);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::config);
  EXPECT_EQ(missing.error().message, "DKIM key file " + dir.file("none.pem") + " does not exist");

  fs::create_directory(dir.file("folder"));
  fs::permissions(dir.file("folder"), fs::perms::owner_all);
  auto folder = load_dkim_key_file(dir.file("folder"), DkimAlgorithm::rsa_sha256);
  ASSERT_FALSE(folder.ok());
  EXPECT_NE(folder.error().message.find("is not a regular file"), std::string::npos);
}

TEST(DkimKeyFile, RefusesAnUnreadableFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  TempDir dir;
  auto path = dir.file("k.pem");
  write_with_mode(path, test_key(DkimAlgorithm::rsa_sha256).pem, fs::perms::none);
  auto key = load_dkim_key_file(path, DkimAlgorithm::rsa_sha256);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().message, "cannot read DKIM key file " + path + ": Permission denied");
}

TEST(DkimKeyFile, RefusesAFileWithoutAKey) {
  TempDir dir;
  auto path = dir.file("k.pem");
  write_with_mode(path, "not a key\n", fs::perms::owner_read | fs::perms::owner_write);
  auto key = load_dkim_key_file(path, DkimAlgorithm::rsa_sha256);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code, Errc::config);
  EXPECT_EQ(key.error().message, "DKIM key " + path + ": not a PEM private key");
}

TEST(DkimRecord, TxtRecordAndZoneLine) {
  const DkimKey& ed = test_key(DkimAlgorithm::ed25519_sha256);
  EXPECT_EQ(dkim_record_name("s1", "example.com"), "s1._domainkey.example.com");
  EXPECT_EQ(dkim_txt_record(ed), "v=DKIM1; k=ed25519; p=" + ed.public_key);
  EXPECT_EQ(dkim_zone_line("s1", "example.com", ed),
            "s1._domainkey.example.com. IN TXT \"v=DKIM1; k=ed25519; p=" + ed.public_key + "\"");

  // An RSA record is longer than one DNS string may be.
  const DkimKey& rsa = test_key(DkimAlgorithm::rsa_sha256);
  std::string line = dkim_zone_line("s2", "example.com", rsa);
  std::string prefix = "s2._domainkey.example.com. IN TXT ";
  ASSERT_TRUE(line.starts_with(prefix));
  std::string joined;
  std::size_t strings = 0;
  for (std::size_t at = prefix.size(); at < line.size();) {
    ASSERT_EQ(line[at], '"');
    auto close = line.find('"', at + 1);
    ASSERT_NE(close, std::string::npos);
    EXPECT_LE(close - at - 1, 255u);
    joined += line.substr(at + 1, close - at - 1);
    ++strings;
    at = close + 1;
    if (at < line.size()) {
      ASSERT_EQ(line[at], ' ');
      ++at;
    }
  }
  EXPECT_EQ(strings, 2u);
  EXPECT_EQ(joined, dkim_txt_record(rsa));
}

TEST(DkimRecord, ChecksAPublishedRecord) {
  const DkimKey& ed = test_key(DkimAlgorithm::ed25519_sha256);
  const DkimKey& rsa = test_key(DkimAlgorithm::rsa_sha256);
  auto verdict = [](std::string_view published, const DkimKey& key) {
    return check_dkim_record(published, key).verdict;
  };
  using V = DkimRecordVerdict;
  EXPECT_EQ(verdict(dkim_txt_record(ed), ed), V::matches);
  EXPECT_EQ(verdict(dkim_txt_record(rsa), rsa), V::matches);
  // Spaces anywhere in p=, a final ';', no v=, and h=/s= that allow us.
  std::string spaced = "k=ed25519 ;p=" + ed.public_key.substr(0, 10) + " \t" +
                       ed.public_key.substr(10) + "; h=sha256; s=email;";
  EXPECT_EQ(verdict(spaced, ed), V::matches);
  // k= defaults to rsa.
  EXPECT_EQ(verdict("v=DKIM1; p=" + rsa.public_key, rsa), V::matches);
  EXPECT_EQ(verdict("v=DKIM1; p=" + ed.public_key, ed), V::other_key);
  EXPECT_EQ(verdict(dkim_txt_record(ed), rsa), V::other_key);
  EXPECT_EQ(verdict("v=DKIM1; k=rsa; h=sha1; p=" + rsa.public_key, rsa), V::other_key);
  EXPECT_EQ(verdict(dkim_txt_record(ed) + "x", ed), V::malformed);  // not base64
  EXPECT_EQ(verdict("v=DKIM1; k=ed25519; p=", ed), V::revoked);
  EXPECT_EQ(verdict("v=spf1 -all", ed), V::malformed);
  EXPECT_EQ(verdict("v=DKIM1; k=ed25519; k=rsa; p=" + ed.public_key, ed), V::malformed);
  EXPECT_EQ(verdict("v=DKIM1; k=ed25519", ed), V::malformed);

  // Another key of the same kind.
  auto other_pem = generate_dkim_key_pem(DkimAlgorithm::ed25519_sha256);
  auto other = parse_dkim_key(*other_pem, DkimAlgorithm::ed25519_sha256, "other");
  auto check = check_dkim_record(dkim_txt_record(*other), ed);
  EXPECT_EQ(check.verdict, V::other_key);
  EXPECT_EQ(check.reason, "the record publishes a different key");
}

TEST(DkimRecord, AcceptsAnRsaKeyPublishedAsPkcs1) {
  const DkimKey& rsa = test_key(DkimAlgorithm::rsa_sha256);
  BIO* bio = BIO_new_mem_buf(rsa.pem.data(), static_cast<int>(rsa.pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(pkey, nullptr);
  unsigned char* der = nullptr;
  int len = i2d_PublicKey(pkey, &der);  // RSAPublicKey, not SubjectPublicKeyInfo
  EVP_PKEY_free(pkey);
  ASSERT_GT(len, 0);
  std::string b64(static_cast<std::size_t>(4 * ((len + 2) / 3)), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), der, len);
  OPENSSL_free(der);
  ASSERT_NE(b64, rsa.public_key);
  EXPECT_EQ(check_dkim_record("v=DKIM1; k=rsa; p=" + b64, rsa).verdict, DkimRecordVerdict::matches);
}

TEST(TxtLookup, JoinsTheStringsOfEachRecord) {
  std::string long_text(300, 'a');  // two strings; the whole answer fits in 512 bytes
  long_text[255] = 'b';
  address::testing::DnsTestServer dns({
      {"s1._domainkey.news.test-mail.net", {.txt = {"v=DKIM1; k=ed25519; p=abc"}}},
      {"long.test-mail.net", {.txt = {long_text, "second"}}},
      {"none.test-mail.net", {.a = {{{192, 0, 2, 1}}}}},
      {"silent.test-mail.net", {.reply = address::testing::Zone::Reply::silent}},
  });
  address::MxOptions options{.timeout = 500ms, .dns_servers = dns.address()};
  auto one = address::lookup_txt("s1._domainkey.news.test-mail.net", options);
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(*one, std::vector<std::string>{"v=DKIM1; k=ed25519; p=abc"});

  auto two = address::lookup_txt("long.test-mail.net", options);
  ASSERT_TRUE(two.ok()) << two.error().message;
  EXPECT_EQ(*two, (std::vector<std::string>{long_text, "second"}));

  auto nodata = address::lookup_txt("none.test-mail.net", options);
  ASSERT_FALSE(nodata.ok());
  EXPECT_EQ(nodata.error().code, Errc::not_found);
  auto nxdomain = address::lookup_txt("missing.test-mail.net", options);
  ASSERT_FALSE(nxdomain.ok());
  EXPECT_EQ(nxdomain.error().code, Errc::not_found);
  auto silent = address::lookup_txt("silent.test-mail.net", options);
  ASSERT_FALSE(silent.ok());
  EXPECT_EQ(silent.error().code, Errc::io);
}

}  // namespace
}  // namespace broadsheet::dkim
