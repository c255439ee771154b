#include "robot/kdf.hpp"

#include <gtest/gtest.h>

#include <string_view>

#include "robot/crypto.hpp"

namespace broadsheet::robot {
namespace {

std::span<const std::uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string derive_hex(const KdfParams& params, std::string_view salt, std::string_view password,
                       const KdfLimits& limits = {}) {
  Status ok = check_kdf_params(params, limits);
  EXPECT_TRUE(ok.ok()) << ok.error().message;
  auto key = derive_key(params, bytes(salt), bytes(password));
  EXPECT_TRUE(key.ok());
  return key.ok() ? to_hex(*key) : "";
}

TEST(RobotKdf, NamesAreTheWidgetsSpelling) {
  EXPECT_EQ(kdf_from_name("PBKDF2/SHA-256"), KdfAlgorithm::pbkdf2_sha256);
  EXPECT_EQ(kdf_from_name("SCRYPT"), KdfAlgorithm::scrypt);
  EXPECT_EQ(kdf_name(KdfAlgorithm::sha384), "SHA-384");
  EXPECT_FALSE(kdf_from_name("ARGON2ID").has_value());
  EXPECT_FALSE(kdf_from_name("sha-256").has_value());
}

TEST(RobotKdf, Pbkdf2MatchesKnownVectors) {
  KdfParams params{KdfAlgorithm::pbkdf2_sha256, 1, 0, 0, 32};
  EXPECT_EQ(derive_hex(params, "salt", "password"),
            "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
  params.cost = 2;
  EXPECT_EQ(derive_hex(params, "salt", "password"),
            "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43");
}

TEST(RobotKdf, ScryptMatchesRfc7914) {
  KdfParams params{KdfAlgorithm::scrypt, 1024, 8, 16, 64};
  KdfLimits limits{100'000, 8, 16};
  EXPECT_EQ(derive_hex(params, "NaCl", "password", limits),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
            "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
}

TEST(RobotKdf, PlainShaHashesSaltThenPasswordThenItsOwnDigest) {
  KdfParams params{KdfAlgorithm::sha256, 1, 0, 0, 32};
  EXPECT_EQ(derive_hex(params, "salt", "password"), sha256_hex("saltpassword"));
  params.cost = 3;
  Bytes expected = digest_of(
      Digest::sha256, digest_of(Digest::sha256, digest_of(Digest::sha256, bytes("saltpassword"))));
  EXPECT_EQ(derive_hex(params, "salt", "password"), to_hex(expected));
}

TEST(RobotKdf, RefusesParametersOutOfRange) {
  KdfLimits limits;
  auto refused = [&](KdfParams p) { return !check_kdf_params(p, limits).ok(); };
  EXPECT_TRUE(refused({KdfAlgorithm::pbkdf2_sha256, 0, 0, 0, 32}));
  EXPECT_TRUE(refused({KdfAlgorithm::pbkdf2_sha256, limits.max_cost + 1, 0, 0, 32}));
  EXPECT_TRUE(refused({KdfAlgorithm::pbkdf2_sha256, 10, 0, 0, 20}));  // not an AES key size
  EXPECT_TRUE(refused({KdfAlgorithm::pbkdf2_sha256, 10, 1, 0, 32}));  // memoryCost unused
  EXPECT_TRUE(refused({KdfAlgorithm::sha256, 10, 0, 0, 16}));         // would truncate
  EXPECT_TRUE(refused({KdfAlgorithm::scrypt, 1000, 8, 1, 32}));       // N not a power of two
  EXPECT_TRUE(refused({KdfAlgorithm::scrypt, 1024, 0, 1, 32}));
  EXPECT_TRUE(refused({KdfAlgorithm::scrypt, 1024, 8, 0, 32}));
  EXPECT_TRUE(refused({KdfAlgorithm::scrypt, 65536, 16, 1, 32}));  // 128 MiB
  EXPECT_FALSE(refused({KdfAlgorithm::scrypt, 16384, 8, 1, 32}));  // 16 MiB
  EXPECT_FALSE(refused({KdfAlgorithm::pbkdf2_sha512, limits.max_cost, 0, 0, 16}));
}

}  // namespace
}  // namespace broadsheet::robot
