#include "webhooks/providers.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace broadsheet::webhooks {
namespace {

namespace json = boost::json;
using store::BounceKind;

Error malformed(std::string_view what) {
  return Error{Errc::invalid_argument, fmt::format("not a {} webhook body", what)};
}

std::optional<json::value> parse(std::string_view body) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  json::value v = json::parse(body, ec, {}, opts);
  if (ec) return std::nullopt;
  return v;
}

// The string at `key` of `o` (nested keys through objects), "" when absent or not one.
std::string text_at(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* at = &v;
  for (auto key : path) {
    if (!at->is_object()) return {};
    at = at->as_object().if_contains(key);
    if (at == nullptr) return {};
  }
  if (at->is_string()) return std::string(at->as_string());
  if (at->is_int64()) return std::to_string(at->as_int64());
  if (at->is_uint64()) return std::to_string(at->as_uint64());
  return {};
}

std::string one_line(std::string s, std::size_t max = 300) {
  for (char& c : s) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  if (s.size() > max) s.resize(max);
  return s;
}

std::string joined(std::initializer_list<std::string> parts) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += ' ';
    out += p;
  }
  return one_line(out);
}

void add(ProviderEvents& out, BounceKind kind, std::string recipient, std::string status,
         std::string reference, const json::value& event) {
  if (recipient.empty() || out.events.size() >= kMaxEvents) {
    ++out.ignored;
    return;
  }
  out.events.push_back({kind, std::move(recipient), std::move(status), std::move(reference),
                        json::serialize(event)});
}

}  // namespace

Result<ProviderEvents> ses_events(std::string_view sns_message) {
  auto v = parse(sns_message);
  if (!v || !v->is_object()) return malformed("SES");
  std::string type = text_at(*v, {"notificationType"});
  if (type.empty()) type = text_at(*v, {"eventType"});
  ProviderEvents out;
  const json::object& o = v->as_object();
  auto recipients = [&](std::string_view section, std::string_view list) -> const json::array* {
    const auto* s = o.if_contains(section);
    if (s == nullptr || !s->is_object()) return nullptr;
    const auto* a = s->as_object().if_contains(list);
    return a != nullptr && a->is_array() ? &a->as_array() : nullptr;
  };
  // The echoed part: the original's envelope sender (mail.source) and headers.
  const json::value* mail = o.if_contains("mail");
  const json::value echo = mail != nullptr ? *mail : json::value();
  if (type == "Bounce") {
    const std::string bounce_type = text_at(*v, {"bounce", "bounceType"});
    const BounceKind kind = bounce_type == "Permanent" ? BounceKind::hard : BounceKind::soft;
    const std::string feedback = text_at(*v, {"bounce", "feedbackId"});
    const auto* list = recipients("bounce", "bouncedRecipients");
    if (list == nullptr) return malformed("SES");
    for (const auto& r : *list) {
      const std::string address = text_at(r, {"emailAddress"});
      add(out, kind, address,
          joined({text_at(r, {"status"}), text_at(r, {"diagnosticCode"}),
                  "ses " + bounce_type + "/" + text_at(*v, {"bounce", "bounceSubType"})}),
          feedback + " " + address, echo);
    }
    return out;
  }
  if (type == "Complaint") {
    const std::string feedback_type = text_at(*v, {"complaint", "complaintFeedbackType"});
    const auto* list = recipients("complaint", "complainedRecipients");
    if (list == nullptr) return malformed("SES");
    if (feedback_type == "not-spam") {
      out.ignored = list->size();
      return out;
    }
    const std::string feedback = text_at(*v, {"complaint", "feedbackId"});
    for (const auto& r : *list) {
      const std::string address = text_at(r, {"emailAddress"});
      add(out, BounceKind::complaint, address,
          feedback_type.empty() ? "ses complaint" : "ses " + feedback_type,
          feedback + " " + address, echo);
    }
    return out;
  }
  out.ignored = 1;
  return out;
}

Result<ProviderEvents> postmark_events(std::string_view body) {
  auto v = parse(body);
  if (!v || !v->is_object()) return malformed("Postmark");
  const std::string record = text_at(*v, {"RecordType"});
  const std::string type = text_at(*v, {"Type"});
  const std::string id = text_at(*v, {"ID"});
  ProviderEvents out;
  std::optional<BounceKind> kind;
  if (record == "SpamComplaint" || (record == "Bounce" && type == "SpamComplaint")) {
    kind = BounceKind::complaint;
  } else if (record == "Bounce") {
    if (type == "HardBounce" || type == "BadEmailAddress")
      kind = BounceKind::hard;
    else if (type == "SoftBounce" || type == "Transient" || type == "DnsError")
      kind = BounceKind::soft;
    else if (type == "Unsubscribe")
      kind = BounceKind::unsubscribe;
  } else if (record.empty()) {
    return malformed("Postmark");
  }
  if (!kind) {
    out.ignored = 1;
    return out;
  }
  add(out, *kind, text_at(*v, {"Email"}),
      joined({"postmark " + type, text_at(*v, {"Description"}), text_at(*v, {"Details"})}),
      record + " " + id, *v);
  return out;
}

Result<ProviderEvents> sendgrid_events(std::string_view body) {
  auto v = parse(body);
  if (!v || !v->is_array()) return malformed("SendGrid");
  ProviderEvents out;
  for (const auto& e : v->as_array()) {
    if (!e.is_object()) return malformed("SendGrid");
    const std::string event = text_at(e, {"event"});
    std::optional<BounceKind> kind;
    if (event == "bounce") {
      kind = text_at(e, {"type"}) == "blocked" ? BounceKind::soft : BounceKind::hard;
    } else if (event == "dropped") {
      kind = BounceKind::hard;
    } else if (event == "spamreport") {
      kind = BounceKind::complaint;
    } else if (event == "unsubscribe") {
      kind = BounceKind::unsubscribe;
    }
    if (!kind) {
      ++out.ignored;
      continue;
    }
    std::string reference = text_at(e, {"sg_event_id"});
    if (reference.empty()) reference = text_at(e, {"sg_message_id"}) + " " + event;
    add(out, *kind, text_at(e, {"email"}),
        joined({"sendgrid " + event, text_at(e, {"status"}), text_at(e, {"reason"})}), reference,
        e);
  }
  return out;
}

Result<ProviderEvents> mailgun_events(std::string_view body) {
  auto v = parse(body);
  if (!v || !v->is_object()) return malformed("Mailgun");
  const auto* data = v->as_object().if_contains("event-data");
  if (data == nullptr || !data->is_object()) return malformed("Mailgun");
  const std::string event = text_at(*data, {"event"});
  ProviderEvents out;
  std::optional<BounceKind> kind;
  if (event == "failed") {
    const std::string severity = text_at(*data, {"severity"});
    kind = severity == "temporary" ? BounceKind::soft : BounceKind::hard;
  } else if (event == "complained") {
    kind = BounceKind::complaint;
  } else if (event == "unsubscribed") {
    kind = BounceKind::unsubscribe;
  }
  if (!kind) {
    out.ignored = 1;
    return out;
  }
  std::string status = joined({"mailgun " + event, text_at(*data, {"severity"}),
                               text_at(*data, {"delivery-status", "code"}),
                               text_at(*data, {"delivery-status", "description"}),
                               text_at(*data, {"delivery-status", "message"})});
  add(out, *kind, text_at(*data, {"recipient"}), std::move(status), text_at(*data, {"id"}), *data);
  return out;
}

}  // namespace broadsheet::webhooks
