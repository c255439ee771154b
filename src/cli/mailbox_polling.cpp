#include "cli/mailbox_polling.hpp"

#include <memory>

namespace broadsheet::cli {

Result<MailboxPolling> mailbox_polling(const Config& config, store::Bounces& bounces,
                                       const std::string& link_key, const Clock& clock,
                                       std::optional<UnixSeconds> fixed_now) {
  auto client = inbound::curl_mailbox_options_from(config);
  if (!client) return client.error();
  auto settings = std::make_shared<const bounce::Settings>(bounce::settings_from(config, link_key));
  MailboxPolling out;
  out.client = std::move(*client);
  out.limits.max_bytes = settings->limits.max_bytes;
  out.process = [&bounces, settings, &clock, fixed_now](std::string_view raw) {
    return bounce::process(raw, bounces, *settings, fixed_now.value_or(clock.now()));
  };
  return out;
}

}  // namespace broadsheet::cli
