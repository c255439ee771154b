// What the inbound listener (listener.hpp) takes and where it goes: the addresses of
// this server (accepts) and the hand-over of each message to the inbound processor
// (deliver), the glue between the transport and bounce/bounce.hpp.
//
// Ours are the VERP return paths "bounce+TOKEN@DOMAIN" whose TOKEN verifies under the
// link key (links/token.hpp), DOMAIN being `bounce.domain` or, when that is empty, the
// domain of `mail.from` or of a newsletter's From address; and the unsubscribe
// mailboxes List-Unsubscribe advertises (`mail.unsubscribe_mailbox`, else unsubscribe@
// each of those From domains), with or without a "+detail". Case does not matter.
// The list of domains is taken when serve starts.
//
// deliver(): the message, with "Delivered-To: RECIPIENT" put first as a delivery agent
// does (the processor finds the return path there), through bounce::process at the
// clock's now: handled when it was kept or deliberately ignored, retry_later when the
// store could not take it. Thread-safe: both are const.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bounce/bounce.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/types.hpp"
#include "inbound/session.hpp"
#include "store/bounces.hpp"

namespace broadsheet::inbound {

class Mailboxes {
 public:
  // Domains and addresses in any case; link_key signs the return tokens.
  Mailboxes(std::string link_key, std::vector<std::string> bounce_domains,
            std::vector<std::string> unsubscribe_addresses);
  bool accepts(std::string_view address) const;
  const std::vector<std::string>& bounce_domains() const { return bounce_domains_; }
  const std::vector<std::string>& unsubscribe_addresses() const { return unsubscribe_; }

 private:
  std::string link_key_;
  std::vector<std::string> bounce_domains_, unsubscribe_;
};

// The mailboxes of `config` and its newsletters.
Mailboxes mailboxes_of(const Config& config, const std::vector<Newsletter>& newsletters,
                       std::string link_key);

Outcome deliver(std::string_view recipient, std::string_view message, store::Bounces& bounces,
                const bounce::Settings& settings, const Clock& clock);

}  // namespace broadsheet::inbound
