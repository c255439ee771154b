// The desk's dashboard (desk_read):
//   GET /admin               readers per newsletter, issues sending now with their
//                            progress, sign-ups, confirmations and unsubscribes per day
//                            over 90 days (a chart, and the same figures as a table),
//                            the next editions of each newsletter, recent failures
//   GET /admin/api/progress[?issue=ID]  {"issues":[{"id","subject","newsletter","status","sent",
//                            "failed","total","queued","deferred","rate"?,"seconds_left"?,
//                            "deferred_reasons"}]}: issues sending or paused (with
//                            `issue`, that one only), polled by the pages' script to
//                            move the progress bars (the dashboard's, an issue's page)
//   GET /admin/api/activity  {"days":[unix seconds of each UTC day],"series":[{"label",
//                            "values"}]}: the chart's 90 days, days without activity as 0
// Each figure comes from a query that stays fast at a million readers (store/dashboard.hpp).
#pragma once

#include "desk/context.hpp"
#include "http/message.hpp"

namespace broadsheet::desk {

http::Response dashboard_page(DeskContext& ctx, const http::Request& request);
http::Response progress_api(DeskContext& ctx, const http::Request& request);
http::Response activity_api(DeskContext& ctx, const http::Request& request);

}  // namespace broadsheet::desk
