#include "cli/json_output.hpp"

#include <boost/json.hpp>

namespace broadsheet::cli {

namespace json = boost::json;

json::object newsletter_json(const Newsletter& n) {
  return json::object{{"slug", n.slug},
                      {"name", n.name},
                      {"description", n.description},
                      {"schedule", n.schedule},
                      {"from_name", n.from_name},
                      {"from_address", n.from_address},
                      {"public", n.is_public},
                      {"opt_in", std::string(to_string(n.opt_in))},
                      {"welcome_subject", n.welcome_subject},
                      {"created_at", format_iso8601(n.created_at)},
                      {"updated_at", format_iso8601(n.updated_at)}};
}

json::object subscriber_json(const Subscriber& s) {
  return json::object{{"id", s.id},
                      {"email", s.email},
                      {"email_display", s.email_display},
                      {"name", s.name},
                      {"timezone", s.timezone},
                      {"status", std::string(to_string(s.status))},
                      {"created_at", format_iso8601(s.created_at)}};
}

json::object subscriber_json(const SubscriberWithSubscriptions& s) {
  auto out = subscriber_json(s.subscriber);
  json::array subs;
  for (const auto& sub : s.subscriptions) {
    json::object o{{"newsletter", sub.newsletter_slug},
                   {"status", std::string(to_string(sub.status))},
                   {"source", sub.source},
                   {"created_at", format_iso8601(sub.created_at)}};
    o["confirmed_at"] = sub.confirmed_at ? json::value(format_iso8601(*sub.confirmed_at)) : nullptr;
    o["unsubscribed_at"] =
        sub.unsubscribed_at ? json::value(format_iso8601(*sub.unsubscribed_at)) : nullptr;
    subs.push_back(std::move(o));
  }
  out["subscriptions"] = std::move(subs);
  return out;
}

json::object issue_json(const Issue& i) {
  auto when = [](const std::optional<UnixSeconds>& t) -> json::value {
    if (!t) return nullptr;
    return json::value(format_iso8601(*t));
  };
  return json::object{{"id", i.id},
                      {"newsletter", i.newsletter_slug},
                      {"subject", i.subject},
                      {"preheader", i.preheader},
                      {"status", std::string(to_string(i.status))},
                      {"scheduled_at", when(i.scheduled_at)},
                      {"started_at", when(i.started_at)},
                      {"finished_at", when(i.finished_at)},
                      {"created_at", format_iso8601(i.created_at)},
                      {"updated_at", format_iso8601(i.updated_at)}};
}

}  // namespace broadsheet::cli
