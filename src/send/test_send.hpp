// A test send (`broadsheet issue test`, POST /api/v1/issues/{id}/test): an issue
// rendered for pretend readers, one per given address with the given name, and sent
// through the configured transport (SMTP pool or outbox) like a real copy: the same
// layout, headers and DKIM signatures, the subject prefixed "[TEST] ". Nothing is
// recorded: no delivery row, no counts, no metrics, no X-Broadsheet-Delivery header;
// the unsubscribe and preferences links are signed for no reader (id 0), so they open
// pages that know no one. Any status may be tested, drafts most of all.
//
// What it trusts: the addresses are checked here (address rules of the configuration,
// special-use domains allowed, as for `issue render`); the name is checked by the
// renderer (one line). At most kMaxTestRecipients addresses.
// Errors: Errc::invalid_argument for an address or name, Errc::not_found for the
// issue or its newsletter, the renderer's error for an issue that cannot be rendered.
// Thread-safety: send() may be called from any thread (the transport is thread-safe).
#pragma once

#include <string>
#include <vector>

#include "address/address.hpp"
#include "core/clock.hpp"
#include "send/issue_messages.hpp"
#include "store/issues.hpp"
#include "store/newsletters.hpp"
#include "transport/transport.hpp"

namespace broadsheet::send {

inline constexpr std::size_t kMaxTestRecipients = 20;
inline constexpr std::string_view kTestSubjectPrefix = "[TEST] ";

struct TestSendResult {
  std::string to;                    // the address as given
  transport::DeliveryResult result;  // what the relay (or the outbox) said
};

class TestSender {
 public:
  // REQUIRES: every argument outlives the sender.
  TestSender(const IssueMessageSettings& settings, transport::Transport& transport,
             store::Issues& issues, store::Newsletters& newsletters,
             address::AddressPolicy policy, const Clock& clock)
      : settings_(settings),
        transport_(transport),
        issues_(issues),
        newsletters_(newsletters),
        policy_(std::move(policy)),
        clock_(clock) {
    policy_.allow_special_use_domains = true;
  }

  // Renders and sends issue `id` to each of `to` and waits for every result.
  Result<std::vector<TestSendResult>> send(Id id, const std::vector<std::string>& to,
                                           const std::string& name) const;

 private:
  const IssueMessageSettings& settings_;
  transport::Transport& transport_;
  store::Issues& issues_;
  store::Newsletters& newsletters_;
  address::AddressPolicy policy_;
  const Clock& clock_;
};

}  // namespace broadsheet::send
