// The emails the reader side queues (send/mail_queue.hpp), rendered for sending: the
// confirmation of a sign-up and a newsletter's welcome email, each with freshly signed
// links (/confirm/, /p/, /u/ under publication.base_url) and DKIM-signed with the same
// keys as issues. ReaderEmails::render is the mail queue's MailRenderer.
//
// Trusts the rows of the queue and the newsletters as the store gives them; the only
// secrets it holds are the link key and the DKIM keys. A bad mail.from or a DKIM
// failure is an error (the row is retried), not an exception.
//
// Thread-safety: render() is const and safe from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/types.hpp"
#include "dkim/signer.hpp"
#include "store/store.hpp"
#include "transport/transport.hpp"

namespace broadsheet::send {

class ReaderEmails {
 public:
  // `link_key` signs the links (web/signup.hpp ReaderKeys); an empty `signer` leaves
  // the emails unsigned. REQUIRES: `config` and `clock` outlive the object; links are
  // made from config.publication.base_url as it is when render() is called.
  ReaderEmails(const Config& config, std::string link_key, dkim::DkimSigner signer,
               const Clock& clock);

  // A queued confirmation or welcome email as a signed message with its envelope, from
  // `newsletters` (all of them). nullopt when none of the newsletters it names exists
  // any more (or, for a welcome, has a welcome email).
  Result<std::optional<transport::Mail>> render(const store::QueuedMail& mail,
                                                const std::vector<Newsletter>& newsletters) const;

 private:
  Result<transport::Mail> confirmation(const store::QueuedMail& mail,
                                       std::vector<Newsletter> awaiting) const;
  Result<transport::Mail> welcome(const store::QueuedMail& mail, const Newsletter& n) const;
  // The envelope sender: a return path naming this email (send/return_path.hpp).
  std::string reader_return_path(const store::QueuedMail& mail, std::string_view from_address) const;
  // DKIM-Signature fields, then `message`.
  Result<std::shared_ptr<const std::string>> signed_message(std::string message) const;

  const Config& config_;
  const std::string link_key_;
  const dkim::DkimSigner signer_;
  const Clock& clock_;
};

}  // namespace broadsheet::send
