#include "send/test_send.hpp"

#include <fmt/format.h>

#include <memory>

#include "render/issue_render.hpp"

namespace broadsheet::send {

Result<std::vector<TestSendResult>> TestSender::send(Id id, const std::vector<std::string>& to,
                                                     const std::string& name) const {
  if (to.empty()) return make_error(Errc::invalid_argument, "name at least one address");
  if (to.size() > kMaxTestRecipients) {
    return make_error(Errc::invalid_argument,
                      fmt::format("at most {} addresses at once", kMaxTestRecipients));
  }
  std::vector<address::EmailAddress> addresses;
  for (const std::string& text : to) {
    auto address = address::parse_email(text, policy_);
    if (!address) {
      return make_error(Errc::invalid_argument, fmt::format("the address {} cannot be used: {}",
                                                            text, address.error().message));
    }
    addresses.push_back(std::move(*address));
  }
  auto issue = issues_.issue_by_id(id);
  if (!issue) return issue.error();
  auto newsletter = newsletters_.newsletter_by_id(issue->newsletter_id);
  if (!newsletter) return newsletter.error();
  issue->subject = std::string(kTestSubjectPrefix) + issue->subject;
  auto input = issue_render_input(settings_, *issue, *newsletter);
  if (!input) return input.error();
  auto prepared = render::PreparedIssue::prepare(*input);
  if (!prepared) {
    return make_error(prepared.error().code,
                      fmt::format("issue {} cannot be rendered: {}", id, prepared.error().message));
  }
  const UnixSeconds now = clock_.now();
  std::vector<transport::Mail> batch;
  for (const auto& address : addresses) {
    store::PendingDelivery reader;  // subscriber 0: no reader of the store
    reader.email = address.normalized;
    reader.email_display = address.display;
    reader.name = name;
    auto fields = reader_fields(settings_, *prepared, issue->id, newsletter->id, reader, now);
    fields.delivery_header.clear();  // not a delivery: nothing may count it as one
    auto message = signed_message(settings_, *prepared, fields, now);
    if (!message) return message.error();
    batch.push_back({{prepared->from().address, address.normalized},
                     std::make_shared<const std::string>(std::move(*message))});
  }
  auto results = transport::send_and_wait(transport_, std::move(batch));
  std::vector<TestSendResult> out;
  for (std::size_t i = 0; i < results.size(); ++i) out.push_back({to[i], std::move(results[i])});
  return out;
}

}  // namespace broadsheet::send
