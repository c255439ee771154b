// Store role: the newsletters, looked up by slug or id. Used by the CLI, the admin API,
// the public pages and the senders (a newsletter's sender and welcome email).
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

// Fields a caller may change on a newsletter; unset ones stay as they are.
struct NewsletterUpdate {
  std::optional<std::string> name, description, schedule, from_name, from_address;
  std::optional<std::string> welcome_subject, welcome_body;
  // A time zone as schedule::canonical_timezone spells it; "" for the publication's.
  std::optional<std::string> default_timezone;
  std::optional<bool> is_public;
  std::optional<OptIn> opt_in;
  // Drafts from feeds (Newsletter::drafts), each within the bounds of core/types.hpp.
  std::optional<bool> draft_from_feeds;
  std::optional<int> draft_items;
  std::optional<std::vector<std::string>> draft_sections;
  std::optional<UnixSeconds> draft_lead;
  std::optional<OnCutoff> on_cutoff;
};

// Slugs are unique: add_newsletter() of a taken slug is Errc::conflict. add_newsletter
// stores every field of the newsletter at once, the zone and the drafts' settings too.
class Newsletters {
 public:
  virtual ~Newsletters() = default;

  virtual Result<Newsletter> add_newsletter(const Newsletter& n) = 0;
  virtual Result<std::vector<Newsletter>> list_newsletters(bool public_only) = 0;
  virtual Result<Newsletter> newsletter_by_slug(const std::string& slug) = 0;
  virtual Result<Newsletter> newsletter_by_id(Id id) = 0;
  virtual Result<Newsletter> update_newsletter(const std::string& slug,
                                               const NewsletterUpdate& u) = 0;
  // Removes the newsletter with its subscriptions. Errc::not_found when absent.
  virtual Status remove_newsletter(const std::string& slug) = 0;
};

}  // namespace broadsheet::store
