// `broadsheet segment add|list|remove`: saved filters of readers (store/segments.hpp)
// that `issue send ID --segment NAME` sends to, as the API's /api/v1/segments.
#include <fmt/format.h>

#include <iostream>

#include "admin/reader_fields.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"

namespace broadsheet::cli {
namespace {

struct SegmentArgs {
  std::string name, newsletter, status, zone, from, until, source_page;
  std::vector<std::string> attributes;  // KEY=VALUE
};

// The instant of a --from/--until date or RFC 3339 time.
Result<UnixSeconds> instant(const std::string& text, std::string_view option) {
  auto t = parse_rfc3339(text, true);
  if (!t) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} must be a date (2026-12-01) or an RFC 3339 time", option));
  }
  return *t;
}

int add(const std::string& data, const SegmentArgs& a, CLI::App* cmd) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  store::Segment g;
  g.name = a.name;
  if (g.name.empty() || g.name.size() > store::kMaxSegmentName || !is_valid_utf8(g.name) ||
      has_unprintable_chars(g.name)) {
    return fail(fmt::format("the name must be one line of 1 to {} bytes", store::kMaxSegmentName));
  }
  if (!a.newsletter.empty()) {
    auto n = ctx->store->newsletter_by_slug(a.newsletter);
    if (!n) return fail(n.error());
    g.filter.newsletter_id = n->id;
  }
  if (!a.status.empty()) {
    g.filter.status = subscription_status_from(a.status);
    if (!g.filter.status) return fail("--status must be unconfirmed, confirmed or unsubscribed");
  }
  if (cmd->count("--zone") > 0) {
    if (auto st = admin::check_reader_zone(a.zone, "--zone"); !st) return fail(st.error());
    g.filter.zone = a.zone;
  }
  if (!a.from.empty()) {
    auto t = instant(a.from, "--signed-up-from");
    if (!t) return fail(t.error());
    g.filter.signed_up_from = *t;
  }
  if (!a.until.empty()) {
    auto t = instant(a.until, "--signed-up-until");
    if (!t) return fail(t.error());
    g.filter.signed_up_until = *t;
  }
  if (!a.source_page.empty()) g.filter.source_page = a.source_page;
  for (const auto& pair : a.attributes) {
    auto eq = pair.find('=');
    if (eq == std::string::npos) return fail("--attribute takes KEY=VALUE");
    g.filter.attributes.push_back({pair.substr(0, eq), pair.substr(eq + 1)});
  }
  if (auto st = admin::check_reader_attributes(g.filter.attributes, "--attribute"); !st) {
    return fail(st.error());
  }
  auto added = ctx->store->add_segment(g);
  if (!added) return fail(added.error());
  auto count = ctx->store->count_readers(added->filter);
  if (!count) return fail(count.error());
  (void)ctx->store->audit("cli", "segment.add", added->name, "");
  std::cout << fmt::format("added segment {} ({}): {} readers now\n", added->name, added->id,
                           *count);
  return kExitOk;
}

int list(const std::string& data) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto segments = ctx->store->list_segments();
  if (!segments) return fail(segments.error());
  std::cout << fmt::format("{:<6} {:<24} {:<16} {:>10}  {}\n", "ID", "NAME", "NEWSLETTER",
                           "READERS", "CONDITIONS");
  for (const auto& g : *segments) {
    auto count = ctx->store->count_readers(g.filter);
    if (!count) return fail(count.error());
    const auto& f = g.filter;
    std::string conditions;
    auto add_condition = [&](const std::string& c) {
      conditions += (conditions.empty() ? "" : ", ") + c;
    };
    if (f.status) add_condition(fmt::format("status {}", to_string(*f.status)));
    if (f.zone) add_condition(fmt::format("zone \"{}\"", *f.zone));
    if (f.signed_up_from) add_condition(fmt::format("from {}", format_iso8601(*f.signed_up_from)));
    if (f.signed_up_until) {
      add_condition(fmt::format("until {}", format_iso8601(*f.signed_up_until)));
    }
    if (f.source_page) add_condition(fmt::format("page {}", *f.source_page));
    for (const auto& attr : f.attributes) add_condition(fmt::format("{}={}", attr.key, attr.value));
    std::cout << fmt::format("{:<6} {:<24} {:<16} {:>10}  {}\n", g.id, g.name,
                             g.newsletter_slug.empty() ? "-" : g.newsletter_slug, *count,
                             conditions.empty() ? "-" : conditions);
  }
  return kExitOk;
}

int remove(const std::string& data, const SegmentArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto g = ctx->store->segment_by_name(a.name);
  if (!g) return fail(g.error());
  if (auto st = ctx->store->remove_segment(g->id); !st) return fail(st.error());
  (void)ctx->store->audit("cli", "segment.remove", g->name, "");
  std::cout << fmt::format("removed segment {}\n", g->name);
  return kExitOk;
}

}  // namespace

void add_segment_commands(CLI::App& app, Invocation& invocation) {
  auto* group = app.add_subcommand("segment", "Saved filters of readers that an issue can go to");
  group->require_subcommand(1);
  static SegmentArgs a;

  auto* add_cmd = group->add_subcommand("add", "Save a segment");
  auto& add_data = add_data_option(add_cmd);
  add_cmd->add_option("name", a.name, "The segment's name")->required();
  add_cmd->add_option("--newsletter", a.newsletter, "Readers of this newsletter");
  add_cmd->add_option("--status", a.status,
                      "With this subscription status (unconfirmed, confirmed, unsubscribed)");
  add_cmd->add_option("--zone", a.zone, "Whose time zone is this (\"\" for none given)");
  add_cmd->add_option("--signed-up-from", a.from, "Signed up at or after (date or RFC 3339)");
  add_cmd->add_option("--signed-up-until", a.until, "Signed up before (date or RFC 3339)");
  add_cmd->add_option("--source-page", a.source_page, "With a consent given on this page");
  add_cmd->add_option("--attribute", a.attributes,
                      "KEY=VALUE: with this reader attribute (repeatable; all must hold)");
  add_cmd->callback([&, add_cmd] { invocation.exit_code = add(add_data, a, add_cmd); });

  auto* list_cmd = group->add_subcommand("list", "List segments with their readers now");
  auto& list_data = add_data_option(list_cmd);
  list_cmd->callback([&] { invocation.exit_code = list(list_data); });

  auto* remove_cmd = group->add_subcommand("remove", "Remove a segment no issue is sent to");
  auto& remove_data = add_data_option(remove_cmd);
  remove_cmd->add_option("name", a.name, "The segment's name")->required();
  remove_cmd->callback([&] { invocation.exit_code = remove(remove_data, a); });
}

}  // namespace broadsheet::cli
