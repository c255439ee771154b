// Signed tokens for the links in emails: confirm a subscription, unsubscribe,
// open the preferences page. A token names its purpose, the subscriber, the
// newsletter (0 for all) and when it expires (0: never, as unsubscribe links in old
// emails must keep working), and carries an HMAC-SHA256 tag (128 bits) under the
// data folder's secret key. Nothing else is trusted: a token of one purpose is
// refused for another, a changed byte breaks the tag, comparison is constant-time.
//
// Format: base64url, no padding, of version(1) purpose(1) subscriber(8)
// newsletter(8) expires(8) tag(16), integers big-endian. 56 characters.
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::links {

// delivery: names one copy of an issue (X-Broadsheet-Delivery); its newsletter_id
// field holds the issue id.
enum class TokenPurpose : unsigned char {
  confirm = 1,
  unsubscribe = 2,
  preferences = 3,
  delivery = 4
};

struct TokenClaims {
  TokenPurpose purpose = TokenPurpose::confirm;
  Id subscriber_id = 0;
  Id newsletter_id = 0;        // 0: every newsletter of the subscriber
  UnixSeconds expires_at = 0;  // 0: never
};

// REQUIRES: key is at least 32 bytes.
std::string sign_token(const TokenClaims& claims, std::string_view key);

// Errc::invalid_argument with "malformed", "wrong purpose" or "bad signature" in the
// message; a token past its expiry is Errc::invalid_argument "expired".
Result<TokenClaims> verify_token(std::string_view token, TokenPurpose expected,
                                 std::string_view key, UnixSeconds now);

// Return-path tokens (VERP, issue 13): the local part of a message's envelope sender,
// "bounce+TOKEN@BOUNCE_DOMAIN", so that a bounce names the copy it is about without
// parsing guesswork. TOKEN is lowercase hex (MTAs may change the case of a local part;
// hex decodes either way) of kind(1) subscriber(8) ref(8) tag(10): 54 characters, so
// "bounce+TOKEN" stays within the 64 characters a local part may have. The tag is
// HMAC-SHA256 under the link key of a label of its own and the rest, so no link token
// is ever a return-path token. It never expires: bounces come days later.
enum class ReturnKind : unsigned char {
  issue = 1,       // a copy of an issue: ref is the issue id
  reader_mail = 2  // a confirmation or welcome email: ref is the mail queue row
};

struct ReturnClaims {
  ReturnKind kind = ReturnKind::issue;
  Id subscriber_id = 0;
  Id ref = 0;
};

inline constexpr std::string_view kReturnPrefix = "bounce+";

// REQUIRES: key is at least 32 bytes.
std::string sign_return_token(const ReturnClaims& claims, std::string_view key);
// "bounce+TOKEN@domain".
std::string return_path(const ReturnClaims& claims, std::string_view key, std::string_view domain);

// Errc::invalid_argument "malformed return token" or "bad signature"; either case of hex.
Result<ReturnClaims> verify_return_token(std::string_view token, std::string_view key);

}  // namespace broadsheet::links
