// A newsletter's fields as the people who edit it give them: the CLI's flags
// (`newsletter add|update`) and the API's JSON (POST/PATCH /api/v1/newsletters), checked
// by one set of rules into a store::NewsletterUpdate, with messages that name each field
// as the caller spells it ("--draft-items" or "\"draft_items\""). Also the newsletter's
// next editions, which both show after a change of schedule.
//
// Trusts nothing it is given: every text is bounded and checked (UTF-8, one line where
// it is a header or a name), the schedule parsed, the zone known, the sender an address.
// Errors are Errc::invalid_argument with a one-line message. Pure functions; safe from
// any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "store/newsletters.hpp"

namespace broadsheet::admin {

inline constexpr std::size_t kMaxNewsletterName = 120;
inline constexpr std::size_t kMaxNewsletterDescription = 500;
inline constexpr std::size_t kMaxWelcomeSubject = 200;
inline constexpr std::size_t kMaxWelcomeBody = 64 * 1024;
inline constexpr std::size_t kMaxDraftSectionsText = 1000;
inline constexpr std::size_t kMaxDraftSections = 20;

// Each field as given; unset ones are not changed (or take their defaults when adding).
struct NewsletterFields {
  std::optional<std::string> name, description;
  std::optional<std::string> schedule;          // "mon-fri 06:00 local", "manual"
  std::optional<std::string> from;              // "Name <address>"
  std::optional<std::string> opt_in;            // double | single
  std::optional<std::string> welcome_subject;   // "" for no welcome email
  std::optional<std::string> welcome_body;      // plain text
  std::optional<std::string> default_timezone;  // an IANA zone; "" for the publication's
  std::optional<bool> is_public;
  std::optional<bool> draft_from_feeds;
  std::optional<int> draft_items;
  std::optional<std::string> draft_sections;  // "World,Business"; "" for the feeds' order
  std::optional<std::string> draft_lead;      // "30m", "3h", "1d"
  std::optional<std::string> on_cutoff;       // hold | send
};

// How the caller names a field, from its key ("draft_items").
using FieldNamer = std::function<std::string(std::string_view key)>;
// "--draft-items": the CLI's flags.
std::string flag_name(std::string_view key);
// "\"draft_items\"": the API's JSON fields.
std::string json_name(std::string_view key);

// The update the fields make, every one checked.
Result<store::NewsletterUpdate> check_newsletter_fields(const NewsletterFields& fields,
                                                        const FieldNamer& name);

// A new newsletter `slug` with `u` applied over the defaults (a manual schedule, public,
// double opt-in, the [mail] sender). Refuses a bad slug and an empty or missing name.
Result<Newsletter> new_newsletter(std::string_view slug, const store::NewsletterUpdate& u,
                                  const FieldNamer& name);

// Drafts from feeds need editions: refuses an update that would leave `current` drafting
// with a manual schedule.
Status check_drafting_schedule(const Newsletter& current, const store::NewsletterUpdate& u,
                               const FieldNamer& name);

// The days of the newsletter's next `count` editions from `now` ("2026-12-08"), within
// the coming year; none for a manual schedule.
std::vector<std::string> next_editions(const Newsletter& n, UnixSeconds now, std::size_t count);

}  // namespace broadsheet::admin
