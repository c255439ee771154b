#include "admin/newsletter_input.hpp"

#include <fmt/format.h>

#include "address/mailbox.hpp"
#include "core/text.hpp"
#include "schedule/editions.hpp"
#include "schedule/schedule.hpp"

namespace broadsheet::admin {
namespace {

// "3h", "30m", "1d" (or seconds) within kMinDraftLead..kMaxDraftLead.
Result<UnixSeconds> parse_draft_lead(const std::string& what, const std::string& text) {
  auto waits = parse_wait_list(text);
  if (text.find(',') != std::string::npos || !waits || waits->front() < kMinDraftLead ||
      waits->front() > kMaxDraftLead) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{}: \"{}\" is not a lead such as 30m, 3h or 1d "
                                  "(from 1 minute to 7 days)",
                                  what, excerpt(text, 40)));
  }
  return static_cast<UnixSeconds>(waits->front());
}

// "World, Business" as the sections' order: names of printable text without commas.
Result<std::vector<std::string>> parse_draft_sections(const std::string& what,
                                                      const std::string& text) {
  if (auto st = check_text(what, text, kMaxDraftSectionsText); !st) return st.error();
  auto sections = split_sections(text);
  if (sections.size() > kMaxDraftSections) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{}: at most {} sections", what, kMaxDraftSections));
  }
  return sections;
}

Error invalid(std::string message) { return Error{Errc::invalid_argument, std::move(message)}; }

}  // namespace

std::string flag_name(std::string_view key) {
  std::string out = "--";
  for (char c : key) out += c == '_' ? '-' : c;
  return out;
}

std::string json_name(std::string_view key) { return fmt::format("\"{}\"", key); }

Result<store::NewsletterUpdate> check_newsletter_fields(const NewsletterFields& f,
                                                        const FieldNamer& name) {
  store::NewsletterUpdate u;
  if (f.name) {
    if (auto st = check_text(name("name"), *f.name, kMaxNewsletterName); !st) return st.error();
    if (f.name->empty()) return invalid(name("name") + " must not be empty");
    u.name = *f.name;
  }
  if (f.description) {
    if (auto st = check_text(name("description"), *f.description, kMaxNewsletterDescription);
        !st) {
      return st.error();
    }
    u.description = *f.description;
  }
  if (f.schedule) {
    auto s = schedule::parse_schedule(*f.schedule);
    if (!s) return invalid(fmt::format("{}: {}", name("schedule"), s.error().message));
    u.schedule = s->text();
  }
  if (f.from) {
    address::AddressPolicy policy;
    policy.allow_special_use_domains = true;  // the publisher's own sending domain
    auto box = address::parse_mailbox(*f.from, policy);
    if (!box) return invalid(fmt::format("{}: {}", name("from"), box.error().message));
    u.from_name = box->name;
    u.from_address = box->address;
  }
  if (f.opt_in) {
    auto o = opt_in_from(*f.opt_in);
    if (!o) return invalid(name("opt_in") + " must be double or single");
    u.opt_in = *o;
  }
  if (f.welcome_subject) {
    if (auto st = check_text(name("welcome_subject"), *f.welcome_subject, kMaxWelcomeSubject);
        !st) {
      return st.error();
    }
    u.welcome_subject = *f.welcome_subject;
  }
  if (f.welcome_body) {
    if (auto st = check_document(name("welcome_body"), *f.welcome_body, kMaxWelcomeBody); !st) {
      return st.error();
    }
    u.welcome_body = *f.welcome_body;
  }
  if (f.default_timezone) {
    if (f.default_timezone->empty()) {
      u.default_timezone = std::string();  // back to publication.timezone
    } else {
      auto zone = schedule::canonical_timezone(*f.default_timezone);
      if (!zone) {
        return invalid(fmt::format(
            "{}: unknown time zone \"{}\" (an IANA name such as Europe/London, or UTC)",
            name("default_timezone"), excerpt(*f.default_timezone, 60)));
      }
      u.default_timezone = *zone;
    }
  }
  u.is_public = f.is_public;
  u.draft_from_feeds = f.draft_from_feeds;
  if (f.draft_items) {
    if (*f.draft_items < kMinDraftItems || *f.draft_items > kMaxDraftItems) {
      return invalid(fmt::format("{}: from {} to {} articles", name("draft_items"),
                                 kMinDraftItems, kMaxDraftItems));
    }
    u.draft_items = *f.draft_items;
  }
  if (f.draft_sections) {
    auto sections = parse_draft_sections(name("draft_sections"), *f.draft_sections);
    if (!sections) return sections.error();
    u.draft_sections = std::move(*sections);
  }
  if (f.draft_lead) {
    auto lead = parse_draft_lead(name("draft_lead"), *f.draft_lead);
    if (!lead) return lead.error();
    u.draft_lead = *lead;
  }
  if (f.on_cutoff) {
    auto c = on_cutoff_from(*f.on_cutoff);
    if (!c) {
      return invalid(fmt::format("{}: \"{}\" is neither send nor hold", name("on_cutoff"),
                                 excerpt(*f.on_cutoff, 40)));
    }
    u.on_cutoff = *c;
  }
  return u;
}

Result<Newsletter> new_newsletter(std::string_view slug, const store::NewsletterUpdate& u,
                                  const FieldNamer& name) {
  if (auto st = validate_slug(slug); !st) {
    return invalid(fmt::format("{}: {}", name("slug"), st.error().message));
  }
  if (!u.name) return invalid(name("name") + " is required");
  Newsletter n;
  n.slug = std::string(slug);
  n.name = *u.name;
  n.description = u.description.value_or("");
  n.schedule = u.schedule.value_or("manual");
  n.from_name = u.from_name.value_or("");
  n.from_address = u.from_address.value_or("");
  n.is_public = u.is_public.value_or(true);
  n.opt_in = u.opt_in.value_or(OptIn::double_opt_in);
  n.welcome_subject = u.welcome_subject.value_or("");
  n.welcome_body = u.welcome_body.value_or("");
  n.default_timezone = u.default_timezone.value_or("");
  n.draft_from_feeds = u.draft_from_feeds.value_or(false);
  if (u.draft_items) n.drafts.items = *u.draft_items;
  if (u.draft_sections) n.drafts.sections = *u.draft_sections;
  if (u.draft_lead) n.drafts.lead = *u.draft_lead;
  if (u.on_cutoff) n.drafts.on_cutoff = *u.on_cutoff;
  return n;
}

Status check_drafting_schedule(const Newsletter& current, const store::NewsletterUpdate& u,
                               const FieldNamer& name) {
  const bool drafting = u.draft_from_feeds.value_or(current.draft_from_feeds);
  if (!drafting) return {};
  auto parsed = schedule::parse_schedule(u.schedule.value_or(current.schedule));
  if (parsed && parsed->manual) {
    return invalid(fmt::format(
        "newsletter {} has a manual schedule: drafts from feeds need editions (give it a "
        "recurring {} such as \"mon-fri 06:00 local\", or turn {} off)",
        current.slug, name("schedule"), name("draft_from_feeds")));
  }
  return {};
}

std::vector<std::string> next_editions(const Newsletter& n, UnixSeconds now, std::size_t count) {
  std::vector<std::string> out;
  auto s = schedule::parse_schedule(n.schedule);
  if (!s || s->manual || count == 0) return out;
  for (auto day : schedule::edition_days(*s, schedule::first_open_day(*s, now), 366)) {
    out.push_back(schedule::format_day(day));
    if (out.size() == count) break;
  }
  return out;
}

}  // namespace broadsheet::admin
