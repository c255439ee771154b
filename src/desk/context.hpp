// What the desk's own handlers (sign-in, the dashboard, its assets, the newsroom's
// pages) work with. Built by
// the application (app/routes.cpp); outlives the router.
#pragma once

#include "admin/api_issues.hpp"
#include "admin/desk_auth.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "desk/preview_frames.hpp"
#include "store/dashboard.hpp"
#include "store/delivery_log.hpp"
#include "store/issues.hpp"
#include "store/newsletters.hpp"
#include "web/templates.hpp"

namespace broadsheet::desk {

struct DeskContext {
  const Config& config;
  const web::Templates& templates;
  const Clock& clock;
  admin::DeskAuth& auth;
  store::Dashboard& dashboard;
  store::Newsletters& newsletters;
  store::Issues& issues;
  store::DeliveryLog& deliveries;
  // The token API's context: the newsroom's pages act through its handlers
  // (api_bridge.hpp).
  admin::ApiContext& api;
  PreviewFrames& frames;  // rendered previews for the pages' iframes
};

}  // namespace broadsheet::desk
