#include "admin/json_shapes.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <cstdint>

namespace broadsheet::admin {

namespace json = boost::json;

json::object drafts_json(const Newsletter& n) {
  json::array sections;
  for (const auto& name : n.drafts.sections) sections.emplace_back(name);
  return json::object{{"from_feeds", n.draft_from_feeds},
                      {"items", n.drafts.items},
                      {"sections", std::move(sections)},
                      {"lead_seconds", n.drafts.lead},
                      {"on_cutoff", std::string(to_string(n.drafts.on_cutoff))}};
}

json::object newsletter_json(const Newsletter& n) {
  return json::object{
      {"slug", n.slug},
      {"name", n.name},
      {"description", n.description},
      {"schedule", n.schedule},
      {"from_name", n.from_name},
      {"from_address", n.from_address},
      {"public", n.is_public},
      {"opt_in", std::string(to_string(n.opt_in))},
      {"welcome_subject", n.welcome_subject},
      {"default_timezone",
       n.default_timezone.empty() ? json::value(nullptr) : json::value(n.default_timezone)},
      {"drafts", drafts_json(n)},
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

json::object subscriber_json(const store::SubscriberWithSubscriptions& s) {
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
  json::object attributes;
  for (const auto& a : s.attributes) attributes[a.key] = a.value;
  out["attributes"] = std::move(attributes);
  return out;
}

namespace {

// An instant that may not have come: ISO 8601, or null.
json::value when(const std::optional<UnixSeconds>& t) {
  if (!t) return nullptr;
  return json::value(format_iso8601(*t));
}

}  // namespace

json::object user_json(const User& u) {
  return json::object{{"username", u.username},
                      {"role", std::string(to_string(u.role))},
                      {"created_at", format_iso8601(u.created_at)}};
}

json::object api_token_json(const ApiToken& t) {
  return json::object{{"id", t.id},
                      {"name", t.name},
                      {"user", t.username},
                      {"created_at", format_iso8601(t.created_at)},
                      {"last_used_at", when(t.last_used_at)},
                      {"revoked_at", when(t.revoked_at)}};
}

json::object issue_json(const Issue& i) {
  return json::object{{"id", i.id},
                      {"newsletter", i.newsletter_slug},
                      {"subject", i.subject},
                      {"preheader", i.preheader},
                      {"status", std::string(to_string(i.status))},
                      {"edition", i.edition ? json::value(*i.edition) : json::value(nullptr)},
                      {"scheduled_at", when(i.scheduled_at)},
                      {"started_at", when(i.started_at)},
                      {"finished_at", when(i.finished_at)},
                      {"created_at", format_iso8601(i.created_at)},
                      {"updated_at", format_iso8601(i.updated_at)},
                      {"stopped_reason", i.stopped_reason.empty()
                                             ? json::value(nullptr)
                                             : json::value(i.stopped_reason)}};
}

json::value sponsor_json(const Issue& i) {
  if (i.sponsor_markdown.empty()) return nullptr;
  return json::value(i.sponsor_markdown);
}

json::object article_json(const Article& a) {
  json::object out{{"id", a.id},
                   {"title", a.title},
                   {"link", a.url},
                   {"summary", a.standfirst},
                   {"section", a.section},
                   {"image", a.image},
                   {"author", a.author},
                   {"published_at", format_iso8601(a.published_at)},
                   {"guid", a.guid},
                   {"source", a.feed_id ? a.feed_url : std::string("this publication")}};
  out["feed_id"] = a.feed_id ? json::value(*a.feed_id) : json::value(nullptr);
  return out;
}

json::object feed_json(const store::Feed& f) {
  json::object out{{"id", f.id},
                   {"newsletter", f.newsletter_slug},
                   {"url", f.url},
                   {"section", f.section},
                   {"interval_seconds", f.interval_seconds},
                   {"last_poll_at", when(f.last_poll_at)},
                   {"last_error", f.last_error},
                   {"failures", f.failures},
                   {"articles", f.article_count},
                   {"next_poll_at", format_iso8601(f.next_poll_at)},
                   {"created_at", format_iso8601(f.created_at)}};
  return out;
}

json::array releases_json(const std::vector<store::CohortRelease>& releases) {
  json::array out;
  for (const auto& r : releases) {
    out.push_back(json::object{{"zone", r.zone},
                               {"release_at", format_iso8601(r.release_at)},
                               {"outcome", store::to_string(r.outcome)},
                               {"readers", r.readers},
                               {"decided_at", format_iso8601(r.decided_at)}});
  }
  return out;
}

json::object progress_json(const send::IssueProgress& p) {
  json::object out{{"queued", p.counts.queued},     {"sent", p.counts.sent},
                   {"deferred", p.counts.deferred}, {"failed", p.counts.failed},
                   {"total", p.counts.total()}};
  json::array reasons;
  for (const auto& r : p.deferrals) reasons.push_back(json::object{{"reply", r.reply}, {"count", r.count}});
  out["deferred_reasons"] = std::move(reasons);
  if (p.rate) {
    // Two decimals are plenty, and a whole number is written as one ("7", not "7E0").
    const double rate = std::round(*p.rate * 100) / 100;
    if (rate == std::floor(rate) && rate < 1e15) {
      out["rate"] = static_cast<std::int64_t>(rate);
    } else {
      out["rate"] = rate;
    }
  }
  return out;
}

boost::json::object domain_rates_json(const std::vector<bounce::DomainRate>& rates) {
  boost::json::array domains;
  for (const auto& r : rates) {
    boost::json::array over;
    if (r.bounces_over) over.emplace_back("bounce_rate");
    if (r.complaints_over) over.emplace_back("complaint_rate");
    domains.push_back(boost::json::object{{"domain", r.domain},
                                          {"sent", r.sent},
                                          {"bounces", r.bounces},
                                          {"complaints", r.complaints},
                                          {"bounce_rate", r.bounce_rate},
                                          {"complaint_rate", r.complaint_rate},
                                          {"over", std::move(over)}});
  }
  return boost::json::object{
      {"limits", boost::json::object{{"bounce_rate", bounce::kBounceRateLimit},
                                     {"complaint_rate", bounce::kComplaintRateLimit}}},
      {"domains", std::move(domains)}};
}

boost::json::array bounce_events_json(const std::vector<store::BounceEventRow>& events) {
  boost::json::array out;
  for (const auto& e : events) {
    out.push_back(boost::json::object{
        {"kind", std::string(store::to_string(e.kind))},
        {"subscriber_id", e.subscriber_id},
        {"issue_id", e.issue_id ? boost::json::value(*e.issue_id) : boost::json::value(nullptr)},
        {"newsletter_id", e.newsletter_id},
        {"recipient", e.recipient},
        {"status", e.status},
        {"source", e.source},
        {"action", e.action},
        {"at", format_iso8601(e.created_at)}});
  }
  return out;
}

}  // namespace broadsheet::admin
