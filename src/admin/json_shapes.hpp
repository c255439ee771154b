// JSON shapes of Broadsheet's objects: what commands print with --json and what the
// API (/api/v1/...) answers, so both show the same fields under the same names.
#pragma once

#include <boost/json/value.hpp>

#include "bounce/rates.hpp"
#include "core/types.hpp"
#include "send/issue_control.hpp"
#include "store/store.hpp"

namespace broadsheet::admin {

boost::json::object newsletter_json(const Newsletter& n);
// The newsletter's drafts from feeds: {"from_feeds", "items", "sections", "lead_seconds",
// "on_cutoff"}, part of newsletter_json.
boost::json::object drafts_json(const Newsletter& n);
boost::json::object subscriber_json(const Subscriber& s);
boost::json::object subscriber_json(const store::SubscriberWithSubscriptions& s);
// An issue without its body (add "body_markdown" and "sponsor" where wanted);
// "stopped_reason" is null unless sending stopped by itself.
boost::json::object issue_json(const Issue& i);
// The issue's sponsor block: its Markdown, or null when it has none.
boost::json::value sponsor_json(const Issue& i);
// A user without the password hash; a token without its hash (the secret is never kept).
boost::json::object user_json(const User& u);
boost::json::object api_token_json(const ApiToken& t);
// An article: "source" is "this publication" for its own, else the feed's URL, with
// "feed_id"; times in RFC 3339.
boost::json::object article_json(const Article& a);
boost::json::object feed_json(const store::Feed& f);
// {"queued","sent","deferred","failed","total"}, "deferred_reasons" ([{"reply","count"}],
// the most common first) and, once begun, "rate" (messages per second).
boost::json::object progress_json(const send::IssueProgress& p);
// Inbound events, oldest first: [{"kind","subscriber_id","issue_id" (null when none),
// "newsletter_id","recipient","status","source","action","at"}].
boost::json::array bounce_events_json(const std::vector<store::BounceEventRow>& events);
// An issue's rates by receiving domain (bounce/rates.hpp): {"limits":{"bounce_rate",
// "complaint_rate"},"domains":[{"domain","sent","bounces","complaints","bounce_rate",
// "complaint_rate","over":["bounce_rate"?,"complaint_rate"?]}]}, rates from 0 to 1.
boost::json::object domain_rates_json(const std::vector<bounce::DomainRate>& rates);
// The scheduler's releases of an issue, in release order: [{"zone" ("" for everyone),
// "release_at", "outcome" ("released" or "skipped"), "readers", "decided_at"}].
boost::json::array releases_json(const std::vector<store::CohortRelease>& releases);

}  // namespace broadsheet::admin
