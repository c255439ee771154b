// For the send tests: messages that name their reader, so a test can tell who got what.
#pragma once

#include <memory>
#include <string>

#include "send/engine.hpp"

namespace broadsheet::send_test {

class PlainMessages : public IssueMessages {
 public:
  Result<std::string> message_for(Id issue_id, const PendingDelivery& r) const override {
    return "From: desk@example.org\r\nTo: " + r.email + "\r\nSubject: issue " +
           std::to_string(issue_id) + "\r\n\r\nHello " + r.name + "\r\n";
  }
  std::string mail_from() const override { return "bounces@example.org"; }
};

inline IssueMessagesFactory plain() {
  return [](const Issue&) -> Result<std::unique_ptr<IssueMessages>> {
    return std::unique_ptr<IssueMessages>(new PlainMessages);
  };
}

}  // namespace broadsheet::send_test
