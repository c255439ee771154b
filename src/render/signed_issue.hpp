// One reader's copy of an issue, DKIM-signed, as one string ready for a Transport.
//
// The message is rendered once into its final place, signed where it lies, and the
// DKIM-Signature fields are written into room left in front of it. That room is the
// size of the previous signature, which is the same for every message of an issue
// signed with the same keys (fixed-size b= and bh=, the same header list), so from the
// second message on nothing is moved; when the size differs the message moves once.
//
// Thread-safety: message_for is safe from any number of threads at once.
// REQUIRES: the PreparedIssue and the DkimSigner outlive this object.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

#include "dkim/signer.hpp"
#include "render/issue_render.hpp"

namespace broadsheet::render {

class SignedIssue {
 public:
  SignedIssue(const PreparedIssue& issue, const dkim::DkimSigner& signer)
      : issue_(issue), signer_(signer) {}

  // The signature fields followed by the message (issue_render.hpp), ending in CRLF.
  // Errors of either step are passed on.
  Result<std::string> message_for(const ReaderFields& reader, UnixSeconds date,
                                  const mime::RandomSource& random = mime::system_random) const;

 private:
  const PreparedIssue& issue_;
  const dkim::DkimSigner& signer_;
  mutable std::atomic<std::size_t> room_{0};  // bytes left in front of the message
};

}  // namespace broadsheet::render
