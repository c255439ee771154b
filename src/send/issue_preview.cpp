#include "send/issue_preview.hpp"

#include <fmt/format.h>

namespace broadsheet::send {

Result<store::PendingDelivery> preview_reader(store::Readers& readers, std::string_view email,
                                              address::AddressPolicy policy) {
  store::PendingDelivery reader;
  if (email.empty()) {
    reader.email = std::string(kSampleEmail);
    reader.name = std::string(kSampleName);
    return reader;
  }
  policy.allow_special_use_domains = true;  // previews go to test addresses too
  auto address = address::parse_email(email, policy);
  if (!address) return address.error();
  reader.email = address->normalized;
  reader.email_display = address->display;
  auto known = readers.subscriber_by_email(address->normalized);
  if (known) {
    reader.subscriber_id = known->subscriber.id;
    reader.name = known->subscriber.name;
    reader.timezone = known->subscriber.timezone;
    reader.email_display = known->subscriber.email_display;
  } else if (known.error().code != Errc::not_found) {
    return known.error();
  }
  return reader;
}

Result<ReaderPreview> preview_for(const IssueMessageSettings& settings, const Issue& issue,
                                  const Newsletter& newsletter,
                                  const store::PendingDelivery& reader, UnixSeconds now) {
  auto input = issue_render_input(settings, issue, newsletter);
  if (!input) return input.error();
  auto prepared = render::PreparedIssue::prepare(*input);
  if (!prepared) {
    return make_error(Errc::invalid_argument,
                      fmt::format("issue {} cannot be rendered: {}", issue.id,
                                  prepared.error().message));
  }
  auto fields = reader_fields(settings, *prepared, issue.id, newsletter.id, reader, now);
  return ReaderPreview{std::move(*prepared), std::move(fields)};
}

}  // namespace broadsheet::send
