// DKIM signing of outgoing mail (RFC 6376): rsa-sha256 and ed25519-sha256 (RFC 8463),
// one signature per configured key, so an RSA key plus an Ed25519 key gives the dual
// signatures RFC 8463 recommends while verifiers catch up.
//
// Every signature uses relaxed/relaxed canonicalisation and covers, of the header
// fields the message has, From, To, Subject, Date, Message-ID, MIME-Version,
// Content-Type, List-Id, List-Unsubscribe and List-Unsubscribe-Post; From is
// over-signed (listed once more than it occurs), so a From added in transit breaks the
// signature. t= is the clock's time; no l= (the whole body is signed), no x=.
//
// Why not OpenDKIM's library for signing: its API takes the private key as text and
// parses it again for every message (about 0.8 ms with OpenSSL 3, under a lock), and
// its body canonicalisation copies byte by byte; together 10 times the cost of the
// signature itself (numbers in bench/dkim). Here each key is parsed once into an
// EVP_PKEY, the body is hashed in place, once for all keys. OpenDKIM's verifier and
// dkimpy check every kind of signature in the tests.
//
// Keys are read once, when the signer is made (key.hpp says which files are
// refused); a DkimSigner is immutable afterwards, cheap to copy (copies share the
// keys), and sign() is safe from any number of threads at once.
//
// Configuration: `dkim.keys` (config.hpp), "domain:selector:algorithm:path" entries;
// "" (the default) signs nothing.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "dkim/key.hpp"

namespace broadsheet::dkim {

class DkimSigner {
 public:
  struct Key {
    std::string domain;
    std::string selector;
    DkimKey key;
  };

  DkimSigner() = default;  // no keys: sign() returns ""

  // Loads each spec's key file (relative paths from `data_dir`). Errc::config names a
  // key file that is missing, unreadable, too open or not a key of its algorithm.
  // REQUIRES: `clock` outlives the signer and its copies.
  static Result<DkimSigner> create(const std::vector<DkimKeySpec>& specs,
                                   const std::string& data_dir,
                                   const Clock& clock = SystemClock::instance());
  // Keys already in memory, e.g. fresh from generate_dkim_key_pem.
  static Result<DkimSigner> create(std::vector<Key> keys,
                                   const Clock& clock = SystemClock::instance());

  bool empty() const { return !state_; }
  const std::vector<Key>& keys() const;

  // The DKIM-Signature header fields for `message`, one per key in the configured
  // order, each folded with CRLF TAB and ending in CRLF: the caller writes them before
  // the message, which is not copied. "" when empty().
  // REQUIRES: `message` is a complete message as build_message (mime.hpp) writes it:
  // CRLF line ends, a From field, a blank line before the body.
  // Errc::invalid_argument when the message has no From or malformed header fields;
  // Errc::internal when OpenSSL fails.
  Result<std::string> sign(std::string_view message) const;

 private:
  struct State;
  std::shared_ptr<const State> state_;
};

// The signer for the `dkim.keys` setting: what `serve` and the send engine call at
// start. Errc::config for a malformed setting or a bad key file.
Result<DkimSigner> load_dkim_signer(std::string_view keys_setting, const std::string& data_dir,
                                    const Clock& clock = SystemClock::instance());

}  // namespace broadsheet::dkim
