// `broadsheet issue draft --newsletter SLUG --edition DATE [--now INSTANT]`: the draft of
// an edition from the articles of the newsletter's feeds, at once, as the scheduler
// would make it at the edition's first release minus the lead (drafts/maker.hpp), with
// the newsletter's draft settings whether drafts from feeds are on or not. Prints the
// new issue's id alone on stdout. Refused (exit 1, nothing made) for a manual
// newsletter, a day that is not an edition or is past, an edition that has an issue or
// was skipped, and when the feeds brought no article since the previous edition.
#include <fmt/format.h>

#include <iostream>

#include "cli/context.hpp"
#include "cli/issue_commands.hpp"
#include "cli/scheduling.hpp"
#include "drafts/maker.hpp"

namespace broadsheet::cli {
namespace {

struct DraftArgs {
  std::string newsletter, edition, now;
};

int draft(const std::string& data, const DraftArgs& a) {
  auto fixed_now = now_option(a.now);
  if (!fixed_now) return fail(fixed_now.error());
  const UnixSeconds now = fixed_now->value_or(SystemClock::instance().now());
  auto day = schedule::parse_day(a.edition);
  if (!day) return fail("--edition: " + day.error().message);
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto n = ctx->store->newsletter_by_slug(a.newsletter);
  if (!n) return fail(n.error());
  auto made = drafts::make_draft_now(maker_parts(*ctx, data), *n, *day, now);
  if (!made) return fail(made.error());
  std::cout << made->id << "\n";
  return kExitOk;
}

}  // namespace

void add_issue_draft_command(CLI::App& group, Invocation& invocation) {
  static DraftArgs a;
  auto* cmd = group.add_subcommand(
      "draft", "Draft an edition at once from the articles of the newsletter's feeds");
  auto& data = add_data_option(cmd);
  cmd->add_option("--newsletter", a.newsletter, "The newsletter's slug")->required();
  cmd->add_option("--edition", a.edition, "The edition's date, YYYY-MM-DD")->required();
  cmd->add_option("--now", a.now, "Judge what is past as at this RFC 3339 instant");
  cmd->callback([&] { invocation.exit_code = draft(data, a); });
}

}  // namespace broadsheet::cli
