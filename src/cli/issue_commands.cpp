// `broadsheet issue create|list|show|update|remove`: the editor's side of an issue.
// Rendering (`issue render`) and sending (`issue send`) have files of their own.
#include "cli/issue_commands.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <iostream>

#include "admin/issue_details.hpp"
#include "admin/json_shapes.hpp"
#include "admin/reader_fields.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "render/body_fields.hpp"
#include "send/issue_edit.hpp"

namespace broadsheet::cli {

using admin::issue_json;
namespace {

struct IssueArgs {
  std::string newsletter, subject, preheader, body_file, sponsor_file, status, segment;
  Id id = 0;
  std::size_t limit = 50;
  bool json = false;
  bool no_sponsor = false;
};

// The sponsor block in `path` (--sponsor-file), checked as the renderer will take it.
Result<std::string> read_sponsor(const std::string& path) {
  // Read up to a body's size, so a block too long is refused saying by how much.
  auto sponsor = read_text_file("--sponsor-file", path, kMaxIssueBody);
  if (!sponsor) return sponsor.error();
  if (auto st = render::check_issue_sponsor(*sponsor); !st) {
    return make_error(st.error().code,
                      fmt::format("--sponsor-file {}: {}", path, st.error().message));
  }
  return sponsor;
}

int create(const std::string& data, const IssueArgs& a) {
  if (auto st = check_text("--subject", a.subject, kMaxIssueSubject); !st) return fail(st.error());
  if (a.subject.find_first_not_of(' ') == std::string::npos) return fail("--subject must not be empty");
  if (auto st = check_text("--preheader", a.preheader, kMaxIssuePreheader); !st) return fail(st.error());
  auto body = read_text_file("--body-file", a.body_file, kMaxIssueBody);
  if (!body) return fail(body.error());
  if (auto st = render::check_issue_body(*body); !st) {
    return fail(fmt::format("--body-file {}: {}", a.body_file, st.error().message));
  }
  std::string sponsor;
  if (!a.sponsor_file.empty()) {
    auto read = read_sponsor(a.sponsor_file);
    if (!read) return fail(read.error());
    sponsor = std::move(*read);
  }
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto n = ctx->store->newsletter_by_slug(a.newsletter);
  if (!n) return fail(n.error());
  Issue i;
  i.newsletter_id = n->id;
  i.subject = a.subject;
  i.preheader = a.preheader;
  i.body_markdown = std::move(*body);
  i.sponsor_markdown = std::move(sponsor);
  if (!a.segment.empty()) {
    auto g = admin::segment_for_new_issue(*ctx->store, n->id, a.segment, "--segment");
    if (!g) return fail(g.error());
  }
  auto added = ctx->store->add_issue(i);
  if (!added) return fail(added.error());
  (void)ctx->store->audit("cli", "issue.create", std::to_string(added->id), a.subject);
  if (!a.segment.empty()) {
    if (auto st = admin::choose_issue_segment(*ctx->store, added->id, a.segment); !st) {
      return fail(st.error());
    }
  }
  // The id alone on stdout, so scripts can take it: ID=$(broadsheet issue create ...).
  std::cout << added->id << "\n";
  return kExitOk;
}

int list(const std::string& data, const IssueArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  store::IssueQuery q;
  q.limit = a.limit;
  if (!a.newsletter.empty()) {
    auto n = ctx->store->newsletter_by_slug(a.newsletter);
    if (!n) return fail(n.error());
    q.newsletter_id = n->id;
  }
  if (!a.status.empty()) {
    q.status = issue_status_from(a.status);
    if (!q.status) {
      return fail("--status must be draft, scheduled, sending, paused, sent or cancelled");
    }
  }
  auto issues = ctx->store->list_issues(q);
  if (!issues) return fail(issues.error());
  if (a.json) {
    boost::json::array out;
    for (const auto& i : *issues) out.push_back(issue_json(i));
    std::cout << boost::json::serialize(out) << "\n";
    return kExitOk;
  }
  if (issues->empty()) {
    std::cout << "no issues yet; write one with `broadsheet issue create`\n";
    return kExitOk;
  }
  std::cout << fmt::format("{:>6}  {:<20} {:<10} {:<20} {:<20} {}\n", "ID", "NEWSLETTER", "STATUS",
                           "CREATED", "FOR", "SUBJECT");
  for (const auto& i : *issues) {
    // FOR: the edition it is tied to, or the instant a manual newsletter's goes out.
    const std::string when = i.edition        ? *i.edition
                             : i.scheduled_at ? format_iso8601(*i.scheduled_at)
                                              : std::string("-");
    std::cout << fmt::format("{:>6}  {:<20} {:<10} {:<20} {:<20} {}\n", i.id, i.newsletter_slug,
                             to_string(i.status), format_iso8601(i.created_at), when, i.subject);
  }
  return kExitOk;
}

int show(const std::string& data, const IssueArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto i = ctx->store->issue_by_id(a.id);
  if (!i) return fail(i.error());
  auto details = admin::load_issue_details(*ctx->store, *ctx->store, *ctx->store,
                                           ctx->store.get(), *i, SystemClock::instance().now(),
                                           a.json ? admin::kIssueEventsShown : 100);
  if (!details) return fail(details.error());
  if (a.json) {
    std::cout << boost::json::serialize(admin::issue_details_json(*i, *details)) << "\n";
    return kExitOk;
  }
  const auto& [progress, releases, events, rates, segment] = *details;
  std::cout << fmt::format(
      "id:          {}\nnewsletter:  {}\nsubject:     {}\npreheader:   {}\nstatus:      {}\n"
      "created:     {}\n",
      i->id, i->newsletter_slug, i->subject, i->preheader, to_string(i->status),
      format_iso8601(i->created_at));
  if (i->edition) {
    std::cout << fmt::format("edition:     {}\n", *i->edition);
    // Skipped by the drafts from feeds (held at the cutoff): the edition's record.
    auto skips = ctx->store->edition_skips(i->newsletter_id, *i->edition, *i->edition);
    if (!skips) return fail(skips.error());
    for (const auto& k : *skips) std::cout << fmt::format("skipped:     {}\n", k.reason);
  }
  if (i->scheduled_at) {
    std::cout << fmt::format("scheduled:   {}\n", format_iso8601(*i->scheduled_at));
  }
  if (segment) std::cout << fmt::format("segment:     {}\n", *segment);
  if (i->started_at) std::cout << fmt::format("started:     {}\n", format_iso8601(*i->started_at));
  if (i->finished_at) std::cout << fmt::format("finished:    {}\n", format_iso8601(*i->finished_at));
  std::cout << fmt::format("deliveries:  {}\n", delivery_counts_line(progress.counts));
  if (!progress.deferrals.empty()) {
    std::cout << fmt::format("deferred:    {}\n", deferral_reasons_text(progress.deferrals));
  }
  if (auto line = rate_line(progress)) std::cout << fmt::format("rate:        {}\n", *line);
  for (const auto& r : releases) {
    const std::string who = r.zone.empty() ? "everyone" : r.zone;
    if (r.outcome == store::CohortOutcome::skipped) {
      std::cout << fmt::format("release:     {} due {}: skipped (later than the late window)\n",
                               who, format_iso8601(r.release_at));
    } else {
      std::cout << fmt::format("release:     {} due {}: released to {} readers\n", who,
                               format_iso8601(r.release_at), r.readers);
    }
  }
  if (!events.empty()) {
    std::cout << fmt::format("bounces:     {} (bounces, complaints, unsubscribe mail)\n{}",
                             events.size(), bounce_event_lines(events));
  }
  // Receiving domains against the providers' limits: every one over, then the five
  // with most copies of the rest (--json has them all).
  std::size_t others = 0;
  for (bool over : {true, false}) {
    for (const auto& r : rates) {
      if ((r.bounces_over || r.complaints_over) != over) continue;
      if (!over && ++others > 5) continue;
      std::cout << fmt::format("domain:      {}\n", bounce::domain_rate_line(r));
    }
  }
  if (others > 5) std::cout << fmt::format("             and {} more domains\n", others - 5);
  if (!i->stopped_reason.empty()) {
    std::cout << fmt::format(
        "stopped:     {}\n             resume with `broadsheet issue resume {}` "
        "once it is fixed\n",
        i->stopped_reason, i->id);
  }
  if (i->sponsor_markdown.empty()) {
    std::cout << "sponsor:     none\n";
  } else {
    // The block as written, indented, so an editor sees which advertisement goes out.
    std::cout << fmt::format(
        "sponsor:     {} bytes of Markdown, shown as \"Advertisement\" after the first story\n",
        i->sponsor_markdown.size());
    std::string_view rest = i->sponsor_markdown;
    while (!rest.empty()) {
      const std::size_t end = std::min(rest.find('\n'), rest.size());
      std::cout << "  | " << rest.substr(0, end) << "\n";
      rest.remove_prefix(std::min(end + 1, rest.size()));
    }
  }
  return kExitOk;
}

int update(const std::string& data, const IssueArgs& a, const CLI::App* cmd) {
  store::IssueUpdate u;
  auto given = [&](const char* opt) { return cmd->count(opt) > 0; };
  if (given("--subject")) {
    if (auto st = check_text("--subject", a.subject, kMaxIssueSubject); !st) return fail(st.error());
    if (a.subject.find_first_not_of(' ') == std::string::npos) return fail("--subject must not be empty");
    u.subject = a.subject;
  }
  if (given("--preheader")) {
    if (auto st = check_text("--preheader", a.preheader, kMaxIssuePreheader); !st) return fail(st.error());
    u.preheader = a.preheader;
  }
  if (given("--body-file")) {
    auto body = read_text_file("--body-file", a.body_file, kMaxIssueBody);
    if (!body) return fail(body.error());
    if (auto st = render::check_issue_body(*body); !st) {
      return fail(fmt::format("--body-file {}: {}", a.body_file, st.error().message));
    }
    u.body_markdown = std::move(*body);
  }
  if (given("--sponsor-file") && a.no_sponsor) {
    return fail("--sponsor-file and --no-sponsor exclude each other");
  }
  if (given("--sponsor-file")) {
    auto sponsor = read_sponsor(a.sponsor_file);
    if (!sponsor) return fail(sponsor.error());
    u.sponsor_markdown = std::move(*sponsor);
  }
  if (a.no_sponsor) u.sponsor_markdown = std::string();
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  if (given("--segment")) {  // "" : the whole newsletter again
    std::optional<std::string> name;
    if (!a.segment.empty()) name = a.segment;
    if (auto st = admin::choose_issue_segment(*ctx->store, a.id, name); !st) return fail(st.error());
  }
  auto edit = send::edit_issue(*ctx->store, *ctx->store, a.id, u, "cli");
  if (!edit) return fail(edit.error());
  if (edit->corrected) {
    std::cout << fmt::format(
        "corrected issue {}: its archive page shows the new text; readers who got it keep "
        "theirs (the change is in the audit log)\n",
        edit->issue.id);
  } else {
    std::cout << fmt::format("updated issue {}\n", edit->issue.id);
  }
  return kExitOk;
}

int remove(const std::string& data, const IssueArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  if (auto st = ctx->store->remove_issue(a.id); !st) return fail(st.error());
  (void)ctx->store->audit("cli", "issue.remove", std::to_string(a.id), "");
  std::cout << fmt::format("removed issue {}\n", a.id);
  return kExitOk;
}

}  // namespace

void add_issue_commands(CLI::App& app, Invocation& invocation) {
  auto* group = app.add_subcommand("issue", "Write, list, render and send issues of a newsletter");
  group->require_subcommand(1);
  static IssueArgs a;

  auto* create_cmd = group->add_subcommand("create", "Write a new issue (a draft); prints its id");
  auto& create_data = add_data_option(create_cmd);
  create_cmd->add_option("--newsletter", a.newsletter, "The newsletter's slug")->required();
  create_cmd->add_option("--subject", a.subject, "Subject line")->required();
  create_cmd->add_option("--preheader", a.preheader, "Preview text shown after the subject");
  create_cmd->add_option("--body-file", a.body_file, "The issue in Markdown (UTF-8)")->required();
  create_cmd->add_option("--sponsor-file", a.sponsor_file,
                         "A sponsor block in Markdown, shown as an advertisement after the first "
                         "story");
  create_cmd->add_option("--segment", a.segment,
                         "Send it only to this segment's readers (`broadsheet segment list`)");
  create_cmd->callback([&] { invocation.exit_code = create(create_data, a); });

  auto* list_cmd = group->add_subcommand("list", "List issues, newest first");
  auto& list_data = add_data_option(list_cmd);
  list_cmd->add_option("--newsletter", a.newsletter, "Only this newsletter's issues");
  list_cmd->add_option("--status", a.status, "Only issues with this status");
  list_cmd->add_option("--limit", a.limit, "At most this many")->default_val(50)->check(CLI::Range(1, 100000));
  list_cmd->add_flag("--json", a.json, "Print a JSON array");
  list_cmd->callback([&] { invocation.exit_code = list(list_data, a); });

  auto* show_cmd = group->add_subcommand("show", "Show one issue with its delivery counts");
  auto& show_data = add_data_option(show_cmd);
  show_cmd->add_option("id", a.id, "The issue's id")->required();
  show_cmd->add_flag("--json", a.json, "Print JSON");
  show_cmd->callback([&] { invocation.exit_code = show(show_data, a); });

  auto* update_cmd = group->add_subcommand(
      "update",
      "Change a draft or scheduled issue, or correct one readers have got (its archive page)");
  auto& update_data = add_data_option(update_cmd);
  update_cmd->add_option("id", a.id, "The issue's id")->required();
  update_cmd->add_option("--subject", a.subject, "Subject line");
  update_cmd->add_option("--preheader", a.preheader, "Preview text");
  update_cmd->add_option("--body-file", a.body_file, "The issue in Markdown");
  update_cmd->add_option("--sponsor-file", a.sponsor_file,
                         "Set the sponsor block (Markdown), shown as an advertisement after the "
                         "first story");
  update_cmd->add_flag("--no-sponsor", a.no_sponsor, "Remove the sponsor block");
  update_cmd->add_option("--segment", a.segment,
                         "Send it only to this segment's readers from now on; \"\" for the whole "
                         "newsletter (only before sending began)");
  update_cmd->callback(
      [&, update_cmd] { invocation.exit_code = update(update_data, a, update_cmd); });

  auto* remove_cmd = group->add_subcommand("remove", "Remove a draft or scheduled issue");
  auto& remove_data = add_data_option(remove_cmd);
  remove_cmd->add_option("id", a.id, "The issue's id")->required();
  remove_cmd->callback([&] { invocation.exit_code = remove(remove_data, a); });

  add_issue_render_command(*group, invocation);
  add_issue_test_command(*group, invocation);
  add_issue_send_commands(*group, invocation);
  add_issue_schedule_commands(*group, invocation);
  add_issue_draft_command(*group, invocation);
}

}  // namespace broadsheet::cli
