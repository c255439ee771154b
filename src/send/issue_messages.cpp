#include "send/issue_messages.hpp"

#include <fmt/format.h>

#include "address/mailbox.hpp"
#include "links/pages.hpp"
#include "render/email_layout.hpp"
#include "render/signed_issue.hpp"
#include "schedule/schedule.hpp"
#include "send/return_path.hpp"

namespace broadsheet::send {
namespace {

// The signed copies of one rendered issue.
class SignedIssueMessages final : public IssueMessages {
 public:
  SignedIssueMessages(IssueMessageSettings settings, render::PreparedIssue prepared,
                      Id newsletter_id, const Clock& clock)
      : settings_(std::move(settings)),
        prepared_(std::move(prepared)),
        signed_(prepared_, settings_.signer),
        newsletter_id_(newsletter_id),
        clock_(clock) {}

  Result<std::string> message_for(Id issue_id,
                                  const store::PendingDelivery& reader) const override {
    const UnixSeconds now = clock_.now();
    auto fields = reader_fields(settings_, prepared_, issue_id, newsletter_id_, reader, now);
    return signed_.message_for(fields, now);
  }
  std::string mail_from(Id issue_id, const store::PendingDelivery& reader) const override {
    return return_path(*settings_.config,
                       {links::ReturnKind::issue, reader.subscriber_id, issue_id},
                       settings_.link_key, prepared_.from().address);
  }

 private:
  IssueMessageSettings settings_;
  render::PreparedIssue prepared_;
  render::SignedIssue signed_;  // over prepared_ and settings_.signer: declared after them
  Id newsletter_id_;
  const Clock& clock_;
};

}  // namespace

Result<render::IssueRenderInput> issue_render_input(const IssueMessageSettings& settings,
                                                    const Issue& issue,
                                                    const Newsletter& newsletter) {
  const Config& config = *settings.config;
  render::IssueRenderInput in;
  in.issue = issue;
  in.newsletter = newsletter;
  in.publication_name = config.publication.name;
  in.base_url = config.publication.base_url;
  in.postal_address = config.publication.postal_address;
  in.from = config.mail.from;
  auto layout = render::load_email_layout(config.data_dir, newsletter.slug);
  if (!layout) return layout.error();
  in.layout = std::move(*layout);
  return in;
}

render::ReaderFields reader_fields(const IssueMessageSettings& settings,
                                   const render::PreparedIssue& prepared, Id issue_id,
                                   Id newsletter_id, const store::PendingDelivery& reader,
                                   UnixSeconds now) {
  const Config& config = *settings.config;
  render::ReaderFields f;
  f.email = reader.email;
  f.email_display = reader.email_display;
  f.name = reader.name;
  f.issue_date = render::format_issue_date(schedule::local_time(now, reader.timezone));
  const std::string unsubscribe =
      links::sign_token({links::TokenPurpose::unsubscribe, reader.subscriber_id, newsletter_id, 0},
                        settings.link_key);
  f.unsubscribe_url =
      links::page_url(config.publication.base_url, links::TokenPurpose::unsubscribe, unsubscribe);
  f.preferences_url = links::signed_page_url(
      config.publication.base_url, {links::TokenPurpose::preferences, reader.subscriber_id, 0, 0},
      settings.link_key);
  std::string mailbox = config.mail.unsubscribe_mailbox;
  if (mailbox.empty()) {
    const std::string& from = prepared.from().address;
    auto at = from.rfind('@');
    if (at != std::string::npos) mailbox = "unsubscribe" + from.substr(at);
  }
  if (!mailbox.empty()) f.unsubscribe_mailto = "mailto:" + mailbox + "?subject=unsubscribe%20" + unsubscribe;
  f.delivery_header = fmt::format(
      "{}.{}.{}", issue_id, reader.subscriber_id,
      links::sign_token({links::TokenPurpose::delivery, reader.subscriber_id, issue_id, 0},
                        settings.link_key));
  return f;
}

Result<std::string> signed_message(const IssueMessageSettings& settings,
                                   const render::PreparedIssue& prepared,
                                   const render::ReaderFields& fields, UnixSeconds now) {
  return render::SignedIssue(prepared, settings.signer).message_for(fields, now);
}

IssueMessagesFactory issue_messages_factory(IssueMessageSettings settings,
                                            store::Newsletters& newsletters, const Clock& clock) {
  return [settings = std::move(settings), &newsletters,
          &clock](const Issue& issue) -> Result<std::unique_ptr<IssueMessages>> {
    auto newsletter = newsletters.newsletter_by_id(issue.newsletter_id);
    if (!newsletter) return newsletter.error();
    auto input = issue_render_input(settings, issue, *newsletter);
    if (!input) return input.error();
    auto prepared = render::PreparedIssue::prepare(*input);
    if (!prepared) {
      return make_error(prepared.error().code,
                        fmt::format("issue {} cannot be rendered: {}", issue.id,
                                    prepared.error().message));
    }
    return std::unique_ptr<IssueMessages>(
        new SignedIssueMessages(settings, std::move(*prepared), newsletter->id, clock));
  };
}

}  // namespace broadsheet::send
