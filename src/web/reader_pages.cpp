// The pages behind the links in emails: confirm (GET shows a button, POST confirms, so
// mail scanners that prefetch links confirm nothing), unsubscribe (GET shows a button,
// POST unsubscribes at once and is the RFC 8058 one-click target: no cookie, no
// JavaScript), and preferences. The signed token in the path is the only credential.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "http/form.hpp"
#include "links/pages.hpp"
#include "schedule/schedule.hpp"
#include "web/pages.hpp"
#include "web/signup_pages.hpp"

namespace broadsheet::web {
namespace {

using http::Request;
using http::Response;

Response notice(WebContext& ctx, int status, const std::string& heading, const std::string& message,
                const std::string& preferences = "", const std::string& preferences_label = "") {
  TemplateData d;
  d.set("heading", heading);
  d.set("message", message);
  if (!preferences.empty()) d.set("preferences_url", preferences);
  if (!preferences_label.empty()) d.set("preferences_label", preferences_label);
  return Response::html(status, ctx.templates.page("notice", heading, d, site_data(ctx)));
}

Result<links::TokenClaims> claims_of(WebContext& ctx, const Request& req,
                                     links::TokenPurpose purpose) {
  return links::verify_token(req.params.at("token"), purpose, ctx.signup.keys().link_key,
                             ctx.clock.now());
}

std::string preferences_path(WebContext& ctx, Id subscriber) {
  return links::signed_page_path({links::TokenPurpose::preferences, subscriber, 0, 0},
                                 ctx.signup.keys().link_key);
}

Response fault(WebContext& ctx, const Request& req, const Error& e) {
  spdlog::error("request {}: {}", req.request_id, e.message);
  return error_page(ctx, req, 500, ctx.config.signup.msg_internal);
}

Response bad_link(WebContext& ctx, const Error& e) {
  bool expired = e.message.find("expired") != std::string::npos;
  return notice(ctx, expired ? 410 : 400, expired ? "This link has expired" : "This link is not valid",
                expired ? "Sign up again to receive a new confirmation email."
                        : "Please use the link exactly as it appears in the email.");
}

}  // namespace

Response confirm_page(WebContext& ctx, const Request& req) {
  auto claims = claims_of(ctx, req, links::TokenPurpose::confirm);
  if (!claims) return bad_link(ctx, claims.error());
  auto subscriber = ctx.store.subscriber_by_id(claims->subscriber_id);
  if (!subscriber) {
    if (subscriber.error().code == Errc::not_found) return bad_link(ctx, subscriber.error());
    return fault(ctx, req, subscriber.error());
  }
  auto subs = ctx.store.subscriptions_of(claims->subscriber_id);
  if (!subs) return fault(ctx, req, subs.error());
  TemplateData list{TemplateData::type::list};
  std::vector<std::string> names;
  for (const auto& s : *subs) {
    if (s.status != SubscriptionStatus::unconfirmed) continue;
    if (claims->newsletter_id != 0 && s.newsletter_id != claims->newsletter_id) continue;
    auto n = ctx.store.newsletter_by_id(s.newsletter_id);
    if (n) names.push_back(n->name);
  }
  if (names.empty()) {
    return notice(ctx, 200, "You're all set", "There is nothing left to confirm for this address.",
                  preferences_path(ctx, claims->subscriber_id));
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    TemplateData d;
    d.set("name", names[i]);
    d.set("last", i + 1 == names.size());
    list.push_back(d);
  }
  TemplateData d;
  d.set("newsletters", list);
  d.set("email", subscriber->email_display);
  d.set("token", req.params.at("token"));
  auto r = Response::html(200, ctx.templates.page("confirm", "Confirm your subscription", d, site_data(ctx)));
  r.set_header("Cache-Control", "no-store");
  return r;
}

Response confirm_post(WebContext& ctx, const Request& req) {
  auto claims = claims_of(ctx, req, links::TokenPurpose::confirm);
  if (!claims) return bad_link(ctx, claims.error());
  auto confirmed = ctx.store.confirm(claims->subscriber_id, claims->newsletter_id);
  if (!confirmed) {
    if (confirmed.error().code == Errc::not_found) return bad_link(ctx, confirmed.error());
    return fault(ctx, req, confirmed.error());
  }
  // The welcome emails the confirmation made due were queued in its transaction.
  if (!confirmed->empty()) {
    (void)ctx.store.audit(fmt::format("reader:{}", claims->subscriber_id), "subscription.confirm",
                          std::to_string(claims->subscriber_id),
                          fmt::format("{} newsletter(s)", confirmed->size()));
  }
  return notice(ctx, 200, "You're subscribed",
                "Thank you for confirming. Your first newsletter is on its way soon.",
                preferences_path(ctx, claims->subscriber_id));
}

Response unsubscribe_page(WebContext& ctx, const Request& req) {
  auto claims = claims_of(ctx, req, links::TokenPurpose::unsubscribe);
  if (!claims) return bad_link(ctx, claims.error());
  auto subscriber = ctx.store.subscriber_by_id(claims->subscriber_id);
  if (!subscriber) {
    if (subscriber.error().code == Errc::not_found) return bad_link(ctx, subscriber.error());
    return fault(ctx, req, subscriber.error());
  }
  std::string newsletter;
  if (claims->newsletter_id != 0) {
    if (auto n = ctx.store.newsletter_by_id(claims->newsletter_id)) newsletter = n->name;
  }
  auto subs = ctx.store.subscriptions_of(claims->subscriber_id);
  if (!subs) return fault(ctx, req, subs.error());
  // A reader who already left (the link clicked twice, or again from an old email) is
  // told so, with the way back, instead of being asked again.
  const bool still_subscribed = std::any_of(subs->begin(), subs->end(), [&](const Subscription& s) {
    return (claims->newsletter_id == 0 || s.newsletter_id == claims->newsletter_id) &&
           s.status != SubscriptionStatus::unsubscribed;
  });
  if (!still_subscribed) {
    std::optional<UnixSeconds> left;
    for (const auto& s : *subs) {
      if ((claims->newsletter_id == 0 || s.newsletter_id == claims->newsletter_id) &&
          s.unsubscribed_at && (!left || *s.unsubscribed_at > *left)) {
        left = s.unsubscribed_at;
      }
    }
    const std::string what = newsletter.empty() ? "our newsletters" : newsletter;
    const std::string when =
        left ? fmt::format(" on {}", format_iso8601(*left).substr(0, 10)) : std::string();
    auto r = notice(ctx, 200, "You are already unsubscribed",
                    fmt::format("{} was unsubscribed from {}{}, and gets nothing more from us. "
                                "Changed your mind? You can subscribe again from your "
                                "preferences.",
                                subscriber->email_display, what, when),
                    preferences_path(ctx, claims->subscriber_id),
                    "Subscribe again or manage your newsletters");
    r.set_header("Cache-Control", "no-store");
    return r;
  }
  TemplateData d;
  d.set("email", subscriber->email_display);
  d.set("token", req.params.at("token"));
  d.set("preferences_url", preferences_path(ctx, claims->subscriber_id));
  if (!newsletter.empty()) d.set("newsletter", newsletter);
  auto r = Response::html(200, ctx.templates.page("unsubscribe", "Unsubscribe", d, site_data(ctx)));
  r.set_header("Cache-Control", "no-store");
  return r;
}

Response unsubscribe_post(WebContext& ctx, const Request& req) {
  auto claims = claims_of(ctx, req, links::TokenPurpose::unsubscribe);
  if (!claims) return bad_link(ctx, claims.error());
  bool one_click = req.body.find("List-Unsubscribe=One-Click") != std::string::npos;
  auto changed = ctx.store.unsubscribe(claims->subscriber_id, claims->newsletter_id,
                                       one_click ? "one-click" : "unsubscribe-page");
  if (!changed) {
    if (changed.error().code == Errc::not_found) return bad_link(ctx, changed.error());
    return fault(ctx, req, changed.error());
  }
  (void)ctx.store.audit(fmt::format("reader:{}", claims->subscriber_id), "subscription.unsubscribe",
                        std::to_string(claims->subscriber_id),
                        fmt::format("{} newsletter(s){}", changed->size(), one_click ? " one-click" : ""));
  if (one_click) return Response::text(200, "Unsubscribed.\n");
  return notice(ctx, 200, "You have been unsubscribed",
                "You will not receive these newsletters any more. Changed your mind? You can "
                "subscribe again at any time.",
                preferences_path(ctx, claims->subscriber_id));
}

namespace {

// The zones of the preferences page's list, built once.
const TemplateData& timezone_options() {
  static const TemplateData options = [] {
    TemplateData list{TemplateData::type::list};
    for (const auto& zone : schedule::selectable_timezones()) list.push_back(TemplateData(zone));
    return list;
  }();
  return options;
}

Response render_preferences(WebContext& ctx, const Request& req, Id subscriber_id, int status,
                            const std::string& message, const std::string& error) {
  auto subscriber = ctx.store.subscriber_by_id(subscriber_id);
  if (!subscriber) {
    if (subscriber.error().code == Errc::not_found) return bad_link(ctx, subscriber.error());
    return fault(ctx, req, subscriber.error());
  }
  auto all = public_newsletters(ctx);
  auto subs = ctx.store.subscriptions_of(subscriber_id);
  if (!all) return fault(ctx, req, all.error());
  if (!subs) return fault(ctx, req, subs.error());
  TemplateData list{TemplateData::type::list};
  for (const auto& n : *all) {
    bool on = std::any_of(subs->begin(), subs->end(), [&](const Subscription& s) {
      return s.newsletter_id == n.id && s.status != SubscriptionStatus::unsubscribed;
    });
    auto schedule = schedule::parse_schedule(n.schedule);
    TemplateData d;
    d.set("slug", n.slug);
    d.set("name", n.name);
    d.set("schedule", schedule ? schedule->describe() : n.schedule);
    d.set("on", on);
    list.push_back(d);
  }
  TemplateData d;
  d.set("email", subscriber->email_display);
  d.set("timezone", subscriber->timezone);
  d.set("timezones", timezone_options());
  d.set("token", req.params.at("token"));
  d.set("newsletters", list);
  if (!message.empty()) d.set("message", message);
  if (!error.empty()) d.set("error", error);
  auto r = Response::html(status, ctx.templates.page("preferences", "Your newsletters", d, site_data(ctx)));
  r.set_header("Cache-Control", "no-store");
  return r;
}

}  // namespace

Response preferences_page(WebContext& ctx, const Request& req) {
  auto claims = claims_of(ctx, req, links::TokenPurpose::preferences);
  if (!claims) return bad_link(ctx, claims.error());
  return render_preferences(ctx, req, claims->subscriber_id, 200, "", "");
}

Response preferences_post(WebContext& ctx, const Request& req) {
  auto claims = claims_of(ctx, req, links::TokenPurpose::preferences);
  if (!claims) return bad_link(ctx, claims.error());
  Id who = claims->subscriber_id;
  auto fields = http::parse_form(req.body);
  if (!fields) return render_preferences(ctx, req, who, 400, "", "The form could not be read.");
  std::string actor = fmt::format("reader:{}", who);
  if (http::form_value(*fields, "action") == "unsubscribe_all") {
    auto changed = ctx.store.unsubscribe(who, 0, "preferences");
    if (!changed) return fault(ctx, req, changed.error());
    (void)ctx.store.audit(actor, "subscription.unsubscribe", std::to_string(who), "all, from preferences");
    return render_preferences(ctx, req, who, 200, "You have been unsubscribed from all newsletters.", "");
  }
  std::string zone = http::form_value(*fields, "timezone");
  std::string canonical;
  if (!zone.empty()) {
    auto c = schedule::canonical_timezone(zone.substr(0, 128));
    if (!c) {
      return render_preferences(ctx, req, who, 422, "",
                                "That time zone is not known. Pick one from the list, such as "
                                "Europe/Paris; nothing was changed.");
    }
    canonical = *c;
  }
  auto wanted = http::form_values(*fields, "newsletters");
  auto all = ctx.store.list_newsletters(true);
  auto subs = ctx.store.subscriptions_of(who);
  if (!all) return fault(ctx, req, all.error());
  if (!subs) return fault(ctx, req, subs.error());
  for (const auto& n : *all) {
    bool on = std::any_of(subs->begin(), subs->end(), [&](const Subscription& s) {
      return s.newsletter_id == n.id && s.status != SubscriptionStatus::unsubscribed;
    });
    bool want = std::find(wanted.begin(), wanted.end(), n.slug) != wanted.end();
    if (want && !on) {
      // The reader opened a link from their own inbox: that confirms the address.
      if (auto st = ctx.store.set_subscription(who, n.id, SubscriptionStatus::confirmed, "preferences"); !st) {
        return fault(ctx, req, st.error());
      }
      (void)ctx.store.audit(actor, "subscription.add", n.slug, "from preferences");
    } else if (!want && on) {
      auto changed = ctx.store.unsubscribe(who, n.id, "preferences");
      if (!changed) return fault(ctx, req, changed.error());
      (void)ctx.store.audit(actor, "subscription.unsubscribe", n.slug, "from preferences");
    }
  }
  if (auto st = ctx.store.set_timezone(who, canonical); !st) return fault(ctx, req, st.error());
  return render_preferences(ctx, req, who, 200, "Your preferences have been saved.", "");
}

}  // namespace broadsheet::web
