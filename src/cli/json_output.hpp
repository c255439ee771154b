// JSON shapes that commands print with --json; the API reuses them.
#pragma once

#include <boost/json/value.hpp>

#include "core/types.hpp"
#include "store/store.hpp"

namespace broadsheet::cli {

boost::json::object newsletter_json(const Newsletter& n);
boost::json::object subscriber_json(const Subscriber& s);
boost::json::object subscriber_json(const SubscriberWithSubscriptions& s);
// An issue without its body (add "body_markdown" where wanted).
boost::json::object issue_json(const Issue& i);

}  // namespace broadsheet::cli
