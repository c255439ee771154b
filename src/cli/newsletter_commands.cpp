// `broadsheet newsletter add|list|show|update|remove`.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <iterator>

#include "address/mailbox.hpp"
#include "admin/json_shapes.hpp"
#include "admin/newsletter_input.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "core/text.hpp"
#include "schedule/editions.hpp"
#include "schedule/schedule.hpp"

namespace broadsheet::cli {

using admin::newsletter_json;
namespace {

struct NewsletterArgs {
  std::string slug, name, description, schedule, from, opt_in, welcome_subject, welcome_body_file;
  std::string default_timezone;
  bool is_private = false, is_public = false, json = false;
  // Drafts from feeds.
  bool draft_from_feeds = false, no_draft_from_feeds = false;
  int draft_items = 0;
  std::string draft_sections, draft_lead, on_cutoff;
};

// How the drafts from feeds read in `newsletter show`.
std::string drafts_text(const Newsletter& n) {
  const auto& d = n.drafts;
  const std::string lead = d.lead % 86400 == 0  ? fmt::format("{}d", d.lead / 86400)
                           : d.lead % 3600 == 0 ? fmt::format("{}h", d.lead / 3600)
                           : d.lead % 60 == 0   ? fmt::format("{}m", d.lead / 60)
                                                : fmt::format("{}s", d.lead);
  return fmt::format("{}, {} items, sections {}, {} before the first release, on cutoff {}",
                     n.draft_from_feeds ? "from feeds" : "off", d.items,
                     d.sections.empty() ? std::string("in the feeds' order")
                                        : join_sections(d.sections),
                     lead, to_string(d.on_cutoff));
}

Result<std::string> read_welcome_body(const std::string& path) {
  return read_text_file("--welcome-body-file", path, admin::kMaxWelcomeBody);
}

int add(const std::string& data, const NewsletterArgs& a) {
  admin::NewsletterFields f;
  f.name = a.name;
  f.description = a.description;
  f.schedule = a.schedule.empty() ? "manual" : a.schedule;
  if (!a.from.empty()) f.from = a.from;
  f.is_public = !a.is_private;
  f.welcome_subject = a.welcome_subject;
  if (!a.welcome_body_file.empty()) {
    auto body = read_welcome_body(a.welcome_body_file);
    if (!body) return fail(body.error());
    f.welcome_body = *body;
  }
  if (!a.opt_in.empty()) f.opt_in = a.opt_in;
  auto u = admin::check_newsletter_fields(f, admin::flag_name);
  if (!u) return fail(u.error());
  auto n = admin::new_newsletter(a.slug, *u, admin::flag_name);
  if (!n) return fail(n.error());
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto added = ctx->store->add_newsletter(*n);
  if (!added) return fail(added.error());
  (void)ctx->store->audit("cli", "newsletter.add", n->slug, n->name);
  std::cout << fmt::format("added newsletter {} ({})\n", added->slug, added->name);
  return kExitOk;
}

// The zone of readers who have none, and where it comes from.
std::string default_zone_text(const Newsletter& n, const Config& config) {
  if (!n.default_timezone.empty()) return n.default_timezone;
  return fmt::format("{} (publication)",
                     schedule::effective_zone("", "", config.publication.timezone));
}

int list(const std::string& data, bool as_json) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto all = ctx->store->list_newsletters(false);
  if (!all) return fail(all.error());
  if (as_json) {
    boost::json::array out;
    for (const auto& n : *all) out.push_back(newsletter_json(n));
    std::cout << boost::json::serialize(out) << "\n";
    return kExitOk;
  }
  if (all->empty()) {
    std::cout << "no newsletters yet; add one with `broadsheet newsletter add`\n";
    return kExitOk;
  }
  std::cout << fmt::format("{:<24} {:<32} {:<28} {:<10} {}\n", "SLUG", "NAME", "SCHEDULE",
                           "VISIBILITY", "DEFAULT ZONE");
  for (const auto& n : *all) {
    std::cout << fmt::format("{:<24} {:<32} {:<28} {:<10} {}\n", n.slug, n.name, n.schedule,
                             n.is_public ? "public" : "private", default_zone_text(n, ctx->config));
  }
  return kExitOk;
}

int show(const std::string& data, const std::string& slug, bool as_json) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto n = ctx->store->newsletter_by_slug(slug);
  if (!n) return fail(n.error());
  auto out = newsletter_json(*n);
  boost::json::object counts;
  for (auto status : {SubscriptionStatus::unconfirmed, SubscriptionStatus::confirmed,
                      SubscriptionStatus::unsubscribed}) {
    auto c = ctx->store->count_subscriptions(n->id, status);
    if (!c) return fail(c.error());
    counts[to_string(status)] = *c;
  }
  out["subscriptions"] = counts;
  if (as_json) {
    std::cout << boost::json::serialize(out) << "\n";
    return kExitOk;
  }
  auto schedule = schedule::parse_schedule(n->schedule);
  std::cout << fmt::format(
      "slug:        {}\nname:        {}\ndescription: {}\nschedule:    {} ({})\nfrom:        {}\n"
      "timezone:    {} (readers without one)\nvisibility:  {}\nopt-in:      {}\nsubscribers: {} "
      "confirmed, {} "
      "unconfirmed, {} unsubscribed\ndrafts:      {}\n",
      n->slug, n->name, n->description, n->schedule, schedule ? schedule->describe() : "?",
      n->from_address.empty() ? "(the [mail] from address)"
                              : address::Mailbox{n->from_name, n->from_address}.text(),
      default_zone_text(*n, ctx->config), n->is_public ? "public" : "private", to_string(n->opt_in),
      counts["confirmed"].as_uint64(), counts["unconfirmed"].as_uint64(),
      counts["unsubscribed"].as_uint64(), drafts_text(*n));
  return kExitOk;
}

int update(const std::string& data, const NewsletterArgs& a, const CLI::App* cmd) {
  admin::NewsletterFields f;
  auto given = [&](const char* opt) { return cmd->count(opt) > 0; };
  if (given("--name")) f.name = a.name;
  if (given("--description")) f.description = a.description;
  if (given("--schedule")) f.schedule = a.schedule;
  if (given("--from")) f.from = a.from;
  if (given("--welcome-subject")) f.welcome_subject = a.welcome_subject;
  if (given("--welcome-body-file")) {
    auto body = read_welcome_body(a.welcome_body_file);
    if (!body) return fail(body.error());
    f.welcome_body = *body;
  }
  if (given("--default-timezone")) f.default_timezone = a.default_timezone;
  if (a.is_private && a.is_public) return fail("--public and --private exclude each other");
  if (a.is_private) f.is_public = false;
  if (a.is_public) f.is_public = true;
  if (given("--opt-in")) f.opt_in = a.opt_in;
  if (a.draft_from_feeds && a.no_draft_from_feeds) {
    return fail("--draft-from-feeds and --no-draft-from-feeds exclude each other");
  }
  if (a.draft_from_feeds) f.draft_from_feeds = true;
  if (a.no_draft_from_feeds) f.draft_from_feeds = false;
  if (given("--draft-items")) f.draft_items = a.draft_items;
  if (given("--draft-sections")) f.draft_sections = a.draft_sections;
  if (given("--draft-lead")) f.draft_lead = a.draft_lead;
  if (given("--on-cutoff")) f.on_cutoff = a.on_cutoff;
  auto u = admin::check_newsletter_fields(f, admin::flag_name);
  if (!u) return fail(u.error());
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  if (u->schedule || u->draft_from_feeds.value_or(false)) {
    auto current = ctx->store->newsletter_by_slug(a.slug);
    if (!current) return fail(current.error());
    if (auto st = admin::check_drafting_schedule(*current, *u, admin::flag_name); !st) {
      return fail(st.error());
    }
  }
  auto n = ctx->store->update_newsletter(a.slug, *u);
  if (!n) return fail(n.error());
  (void)ctx->store->audit("cli", "newsletter.update", n->slug, "");
  std::cout << fmt::format("updated newsletter {}\n", n->slug);
  return kExitOk;
}

int remove(const std::string& data, const std::string& slug) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  if (auto st = ctx->store->remove_newsletter(slug); !st) return fail(st.error());
  (void)ctx->store->audit("cli", "newsletter.remove", slug, "");
  std::cout << fmt::format("removed newsletter {} and its subscriptions\n", slug);
  return kExitOk;
}

}  // namespace

void add_newsletter_commands(CLI::App& app, Invocation& invocation) {
  auto* group = app.add_subcommand("newsletter", "Add, list, show, change and remove newsletters");
  group->require_subcommand(1);
  static NewsletterArgs a;

  auto* add_cmd = group->add_subcommand("add", "Add a newsletter");
  auto& add_data = add_data_option(add_cmd);
  add_cmd->add_option("--slug", a.slug, "URL name: lowercase letters, digits, hyphens")->required();
  add_cmd->add_option("--name", a.name, "Name readers see")->required();
  add_cmd->add_option("--description", a.description, "One or two sentences for the sign-up box");
  add_cmd->add_option("--schedule", a.schedule,
                      "When it is sent, e.g. \"mon-fri 06:00 local\", \"sat 08:00 UTC\", \"manual\"")
      ->default_str("manual");
  add_cmd->add_option("--from", a.from, "Sender, \"Name <address>\" (default: [mail] from)");
  add_cmd->add_flag("--private", a.is_private, "Not listed publicly nor offered in sign-up boxes");
  add_cmd->add_option("--opt-in", a.opt_in, "double (default) or single");
  add_cmd->add_option("--welcome-subject", a.welcome_subject, "Subject of a welcome email sent on confirmation");
  add_cmd->add_option("--welcome-body-file", a.welcome_body_file, "Plain-text body of the welcome email");
  add_cmd->callback([&] { invocation.exit_code = add(add_data, a); });

  auto* list_cmd = group->add_subcommand("list", "List newsletters");
  auto& list_data = add_data_option(list_cmd);
  list_cmd->add_flag("--json", a.json, "Print a JSON array");
  list_cmd->callback([&] { invocation.exit_code = list(list_data, a.json); });

  auto* show_cmd = group->add_subcommand("show", "Show one newsletter with its subscriber counts");
  auto& show_data = add_data_option(show_cmd);
  show_cmd->add_option("slug", a.slug, "The newsletter's slug")->required();
  show_cmd->add_flag("--json", a.json, "Print JSON");
  show_cmd->callback([&] { invocation.exit_code = show(show_data, a.slug, a.json); });

  auto* update_cmd = group->add_subcommand("update", "Change a newsletter");
  auto& update_data = add_data_option(update_cmd);
  update_cmd->add_option("slug", a.slug, "The newsletter's slug")->required();
  update_cmd->add_option("--name", a.name, "Name readers see");
  update_cmd->add_option("--description", a.description, "Description");
  update_cmd->add_option("--schedule", a.schedule, "Schedule");
  update_cmd->add_option("--from", a.from, "Sender, \"Name <address>\"");
  update_cmd->add_flag("--private", a.is_private, "Hide from public lists");
  update_cmd->add_flag("--public", a.is_public, "Show in public lists");
  update_cmd->add_option("--opt-in", a.opt_in, "double or single");
  update_cmd->add_option("--welcome-subject", a.welcome_subject, "Subject of the welcome email (\"\" for none)");
  update_cmd->add_option("--welcome-body-file", a.welcome_body_file, "Plain-text body of the welcome email");
  update_cmd->add_option("--default-timezone", a.default_timezone,
                         "Zone of readers who have none, for a \"local\" schedule (\"\": "
                         "publication.timezone)");
  update_cmd->add_flag("--draft-from-feeds", a.draft_from_feeds,
                       "The scheduler drafts each edition from the articles of the feeds");
  update_cmd->add_flag("--no-draft-from-feeds", a.no_draft_from_feeds,
                       "No more drafts from feeds (the settings are kept)");
  update_cmd->add_option("--draft-items", a.draft_items,
                         "Articles in a draft, 1 to 50 (default 10)");
  update_cmd->add_option("--draft-sections", a.draft_sections,
                         "Order of sections in a draft, e.g. \"World,Business\" (\"\": the "
                         "feeds' order)");
  update_cmd->add_option("--draft-lead", a.draft_lead,
                         "How long before the edition's first release the draft is made: 30m, "
                         "3h (default), 1d");
  update_cmd->add_option("--on-cutoff", a.on_cutoff,
                         "A draft not approved by the first release: hold (default: the edition "
                         "is skipped) or send (as it is)");
  update_cmd->callback(
      [&, update_cmd] { invocation.exit_code = update(update_data, a, update_cmd); });

  auto* remove_cmd = group->add_subcommand("remove", "Remove a newsletter and its subscriptions");
  auto& remove_data = add_data_option(remove_cmd);
  remove_cmd->add_option("slug", a.slug, "The newsletter's slug")->required();
  remove_cmd->callback([&] { invocation.exit_code = remove(remove_data, a.slug); });
}

}  // namespace broadsheet::cli
