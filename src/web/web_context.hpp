// What the handlers of the readers' pages and public JSON share. Built by the
// application (app/routes.hpp wires them into the routing table); outlives the router.
#pragma once

#include <functional>

#include "config/config.hpp"
#include "http/metrics.hpp"
#include "send/issue_messages.hpp"
#include "send/test_send.hpp"
#include "store/store.hpp"
#include "web/signup.hpp"
#include "web/templates.hpp"

namespace broadsheet::web {

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
  // What the API's test sends go through (the server's transport); null: none.
  const send::TestSender* test_sender = nullptr;
  // How the server renders issues for readers (the API's previews); null: none.
  const send::IssueMessageSettings* messages = nullptr;
};

}  // namespace broadsheet::web
