// The mailbox poller (inbound/poller.hpp) as `serve` and `broadsheet bounce poll` build
// it from the configuration: `[inbound] mailbox` over libcurl (inbound/curl_mailbox.hpp),
// each message through the inbound processor (bounce/bounce.hpp) into the store, at
// most `bounce.max_message_bytes` a message.
#pragma once

#include <optional>
#include <string>

#include "bounce/bounce.hpp"
#include "core/clock.hpp"
#include "inbound/curl_mailbox.hpp"
#include "inbound/poller.hpp"
#include "store/bounces.hpp"

namespace broadsheet::cli {

struct MailboxPolling {
  inbound::CurlMailboxOptions client;
  inbound::PollLimits limits;
  inbound::ProcessMessage process;
};

// Errc::config naming the key when the mailbox or its password file cannot be used.
// Messages are processed at `fixed_now`, else at the clock's now.
// REQUIRES: `bounces` and `clock` outlive the result.
Result<MailboxPolling> mailbox_polling(const Config& config, store::Bounces& bounces,
                                       const std::string& link_key, const Clock& clock,
                                       std::optional<UnixSeconds> fixed_now = std::nullopt);

}  // namespace broadsheet::cli
