// Credentials of the desk and the API: API token secrets (and desk session cookies,
// made and stored the same way) and user passwords.
//
// An API token is "bs_" followed by 43 base64url characters (32 random bytes). Only
// its SHA-256 (hex) is stored: a token is random enough that a fast hash cannot be
// reversed, and a lookup by hash needs no secret comparison. Passwords are stored as
// Argon2id strings (libsodium's crypto_pwhash_str, interactive limits).
// Pure functions over libsodium; thread-safe once libsodium is initialised (they do it).
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace broadsheet::admin {

struct NewApiToken {
  std::string secret;  // shown to the user once
  std::string hash;    // stored
};
NewApiToken generate_api_token();

// The stored form of a token secret: lowercase hex SHA-256.
std::string api_token_hash(std::string_view secret);

// True when `secret` has the shape of a token (prefix, length, alphabet); anything
// else is refused without a store lookup.
bool looks_like_api_token(std::string_view secret);

// Errc::invalid_argument for a password shorter than 12 or longer than 1024 bytes;
// Errc::internal when Argon2id cannot get its memory.
Result<std::string> hash_password(std::string_view password);

// True when `password` is the one `stored` (an Argon2id string of hash_password) was
// made from; false for anything else, a malformed `stored` included.
bool verify_password(const std::string& stored, std::string_view password);

}  // namespace broadsheet::admin
