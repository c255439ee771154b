// The one routing table of Broadsheet: every route, its method, path pattern,
// permission and handler, listed in routes.cpp so access rules are audited there.
// Protected routes are checked by admin/api_auth.hpp's authorizer.
#pragma once

#include <functional>

#include "config/config.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"
#include "store/store.hpp"
#include "web/signup.hpp"
#include "web/templates.hpp"

namespace broadsheet::web {

// What handlers may use. Outlives the router.
struct WebContext {
  const Config& config;
  store::Store& store;
  http::Metrics& metrics;
  const Templates& templates;
  SignupService& signup;
  const Clock& clock;
  // Called when the API began or resumed sending an issue (the server wakes its
  // dispatcher). May be empty, and may be set after the router is built.
  std::function<void()> sending_changed;
};

http::Router build_router(WebContext& ctx);

}  // namespace broadsheet::web
