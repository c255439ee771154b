// Rows most store tests start from, on any backend: a sign-up as the public form sends
// it, a newsletter, a subscriber. Each fails the calling test when the store refuses.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "store/store.hpp"

namespace broadsheet::store::testing {

// A sign-up as the public form sends it, with a resend window of an hour.
inline SignupRequest signup_request(const Clock& clock, const std::string& email,
                                    std::vector<Id> newsletter_ids) {
  SignupRequest r;
  r.email = email;
  r.email_display = email;
  r.name = "Rea Der";
  r.timezone = "Europe/Lisbon";
  r.newsletter_ids = std::move(newsletter_ids);
  r.consent_version = "consent-v3";
  r.source_page = "/articles/budget";
  r.client_address = "192.0.2.0/24";
  r.resend_after = clock.now() - 3600;
  r.audit_detail = "newsletters=test page=/articles/budget";
  return r;
}

inline Newsletter add_newsletter(Store& store, const std::string& slug, bool is_public = true) {
  Newsletter n;
  n.slug = slug;
  n.name = "The " + slug;
  n.description = "About " + slug;
  n.schedule = "mon-fri 06:00";
  n.from_name = "Desk";
  n.from_address = "desk@example.org";
  n.is_public = is_public;
  auto added = store.add_newsletter(n);
  EXPECT_TRUE(added.ok()) << (added.ok() ? "" : added.error().message);
  return added.ok() ? *added : n;
}

inline Subscriber add_subscriber(Store& store, const std::string& email) {
  Subscriber s;
  s.email = email;
  s.email_display = email;
  s.name = "Reader " + email;
  s.timezone = "Europe/Berlin";
  auto added = store.add_subscriber(s);
  EXPECT_TRUE(added.ok()) << (added.ok() ? "" : added.error().message);
  return added.ok() ? *added : s;
}

}  // namespace broadsheet::store::testing
