// What each provider's webhook body says, once its authentication has been checked
// (receiver.hpp does that first): the events in it as kinds of the bounce policy
// (store::BounceKind), per recipient. The formats are the providers' documented ones:
//   - Amazon SES (the Message of an SNS Notification): notificationType or eventType
//     Bounce (bounceType Permanent: hard; Transient, Undetermined: soft) per
//     bouncedRecipients, Complaint per complainedRecipients (feedback type not-spam:
//     ignored); anything else (Delivery, Send...) ignored;
//   - Postmark: one record, RecordType Bounce (Type HardBounce, BadEmailAddress: hard;
//     SoftBounce, Transient, DnsError: soft; SpamComplaint: complaint; Unsubscribe:
//     unsubscribe; the rest, auto-responders among them, ignored) or SpamComplaint;
//   - SendGrid: an array of events: bounce (type blocked: soft, else hard), dropped
//     (hard), spamreport (complaint), unsubscribe (unsubscribe); others ignored;
//   - Mailgun: {"signature":..., "event-data":...}: failed (severity permanent: hard,
//     temporary: soft), complained, unsubscribed; others ignored.
// Each event keeps its JSON as `echoed`, where the VERP token or X-Broadsheet-Delivery
// token is looked for (custom args, metadata, headers, envelope sender: wherever the
// provider echoes them), and the provider's id of the event as `reference`.
// Bounded: at most kMaxEvents events a body; Errc::invalid_argument for a body that is
// not the provider's format. Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "store/bounces.hpp"

namespace broadsheet::webhooks {

inline constexpr std::size_t kMaxEvents = 1000;

struct ProviderEvent {
  store::BounceKind kind = store::BounceKind::hard;
  std::string recipient;  // the address the provider names
  std::string status;     // its status and diagnostic, one line
  std::string reference;  // the provider's id of the event (or of the message)
  std::string echoed;     // the event's JSON: where a token may be
};

struct ProviderEvents {
  std::vector<ProviderEvent> events;
  std::size_t ignored = 0;  // events of other types (deliveries, opens, auto-replies...)
};

Result<ProviderEvents> ses_events(std::string_view sns_message);
Result<ProviderEvents> postmark_events(std::string_view body);
Result<ProviderEvents> sendgrid_events(std::string_view body);
Result<ProviderEvents> mailgun_events(std::string_view body);

}  // namespace broadsheet::webhooks
