// What the desk's own handlers (sign-in, the dashboard, its assets) work with. Built by
// the application (app/routes.cpp); outlives the router.
#pragma once

#include "admin/desk_auth.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
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
};

}  // namespace broadsheet::desk
