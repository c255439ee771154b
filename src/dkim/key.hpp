// DKIM keys (RFC 6376, RFC 8463): making a key pair, reading a private key file once
// at start-up, and the DNS TXT record that publishes a key's public half. The
// `dkim.keys` setting that lists the signing keys is config/dkim_keys.hpp.
//
// Key files hold one unencrypted PEM private key (keygen writes PKCS#8, "-----BEGIN
// PRIVATE KEY-----"; the "BEGIN RSA PRIVATE KEY" of opendkim-genkey is read too): RSA
// of at least 1024 bits (keygen makes 2048, RFC 8301) or Ed25519. A key file is a
// secret: it must be a regular file that neither group nor others may read, write or
// enter.
//
// What it trusts: nothing in a key file, the setting or a DNS record. A key file that
// is missing, unreadable, too open, not a key of the named algorithm or too small is
// Errc::config naming the path; a malformed `dkim.keys` is Errc::config naming the entry.
//
// Pure functions apart from the file system and OpenSSL's random source; safe from any
// thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/dkim_keys.hpp"
#include "core/result.hpp"

namespace broadsheet::dkim {

// A private key, read and checked.
struct DkimKey {
  DkimAlgorithm algorithm = DkimAlgorithm::ed25519_sha256;
  int bits = 0;
  std::string pem;         // PKCS#8 PEM, a secret: never log it
  std::string public_key;  // the p= value: base64 of the SubjectPublicKeyInfo (rsa) or
                           // of the raw 32-byte public key (ed25519, RFC 8463)
};

// A new private key as PKCS#8 PEM: RSA 2048 bits or Ed25519.
Result<std::string> generate_dkim_key_pem(DkimAlgorithm algorithm);

// Parses PEM text. Errc::config when it is not a private key of `algorithm` (an RSA
// key under 1024 bits neither). `origin` names the source in messages.
Result<DkimKey> parse_dkim_key(std::string_view pem, DkimAlgorithm algorithm,
                               std::string_view origin);

// Reads and parses a key file, refusing it unless it is a regular file of mode 0600 or
// stricter (no permission bits for group or others). Errc::config names `path`.
Result<DkimKey> load_dkim_key_file(const std::string& path, DkimAlgorithm algorithm);

// Creates `path` with mode 0600 and writes `content`; refuses to replace a file.
Status write_private_file(const std::string& path, std::string_view content);

// "SELECTOR._domainkey.DOMAIN": where verifiers look the key up.
std::string dkim_record_name(std::string_view selector, std::string_view domain);

// The TXT record value that publishes `key`: "v=DKIM1; k=ed25519; p=...".
std::string dkim_txt_record(const DkimKey& key);

// The record as one zone-file line, "NAME. IN TXT "..." "..."", its value split into
// strings of at most 255 bytes as DNS requires.
std::string dkim_zone_line(std::string_view selector, std::string_view domain, const DkimKey& key);

// What a published TXT record value says about `key`.
enum class DkimRecordVerdict {
  matches,    // a DKIM1 key record of the same algorithm and public key
  other_key,  // a key record, but of another key or algorithm
  revoked,    // an empty p=: the selector's key is withdrawn
  malformed,  // not a DKIM key record
};
struct DkimRecordCheck {
  DkimRecordVerdict verdict;
  std::string reason;  // one line for the operator
};
DkimRecordCheck check_dkim_record(std::string_view published, const DkimKey& key);

}  // namespace broadsheet::dkim
