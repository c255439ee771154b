// `broadsheet bounce process [FILE]`, `broadsheet bounce poll` and
// `broadsheet suppression list|add|remove`.
//
// bounce process: one RFC 5322 message from FILE or stdin (a Postfix pipe transport or
// a .forward), handed to the inbound processor (bounce/bounce.hpp); several FILEs are
// processed in turn in one process. Exit 0 when it was
// handled or deliberately ignored, with one line saying which ("handled: ..." on
// stdout, "ignored: ..." on stderr); 75 (EX_TEMPFAIL) when it could not be stored (the
// data folder or the database unavailable or busy), so the MTA keeps it and retries.
// At most `[bounce] max_message_bytes` is read; a larger message is ignored.
//
// bounce poll: one poll of `[inbound] mailbox` (inbound/poller.hpp), as serve does
// every `inbound.poll_interval`: for cron, or to try the settings.
//
// suppression list|add ADDRESS [--reason TEXT]|remove ADDRESS: the one suppression
// list (store/bounces.hpp): bounces and complaints add to it, and so does removing a
// reader (as a hash only, shown as such).
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "bounce/bounce.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/mailbox_polling.hpp"
#include "web/signup.hpp"

namespace broadsheet::cli {
namespace {

constexpr int kExitTempFail = 75;  // EX_TEMPFAIL of sysexits.h

struct BounceArgs {
  std::vector<std::string> files;
  std::string email, reason, after, now;
  std::size_t limit = 1000;
};

int temp_fail(const std::string& message) {
  std::fprintf(stderr, "broadsheet: not stored, try again later: %s\n", message.c_str());
  return kExitTempFail;
}

// At most max + 1 bytes of `in`: one more than allowed tells a message too large.
std::string read_bounded(std::istream& in, std::size_t max) {
  std::string out;
  char buffer[65536];
  while (out.size() <= max && (in.read(buffer, sizeof buffer) || in.gcount() > 0)) {
    out.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (out.size() > max + 1) out.resize(max + 1);
  return out;
}

// One message: its line printed, false when it could not be stored.
bool process_one(std::string_view raw, std::string_view name, store::Bounces& bounces,
                 const bounce::Settings& settings, UnixSeconds now) {
  auto outcome = bounce::process(raw, bounces, settings, now);
  const std::string prefix = name.empty() ? "" : fmt::format("{}: ", name);
  if (!outcome) {
    std::fprintf(stderr, "broadsheet: %snot stored, try again later: %s\n", prefix.c_str(),
                 outcome.error().message.c_str());
    return false;
  }
  const std::string line = prefix + outcome->summary();
  if (outcome->recorded == 0 && outcome->duplicates == 0) {
    std::fprintf(stderr, "%s\n", line.c_str());
  } else {
    std::cout << line << "\n";
  }
  return true;
}

// Several FILEs are processed in turn in this one process (a folder of bounces, a
// benchmark), each line prefixed with its file; exit 75 when any could not be stored
// (or read), after trying every one: the MTA or the caller retries, and what was kept
// counts once.
int process(const std::string& data, const BounceArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return temp_fail(ctx.error().message);
  auto keys = web::load_reader_keys(ctx->config);
  if (!keys) return temp_fail(keys.error().message);
  const bounce::Settings settings = bounce::settings_from(ctx->config, keys->link_key);
  const Clock& clock = SystemClock::instance();
  auto now_given = now_option(a.now);
  if (!now_given) return fail(now_given.error());
  const std::optional<UnixSeconds> fixed_now = *now_given;
  if (a.files.empty() || (a.files.size() == 1 && a.files[0] == "-")) {
    const std::string raw = read_bounded(std::cin, settings.limits.max_bytes);
    return process_one(raw, "", *ctx->store, settings, fixed_now.value_or(clock.now()))
               ? kExitOk
               : kExitTempFail;
  }
  const bool named = a.files.size() > 1;
  bool all_stored = true;
  for (const auto& file : a.files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "broadsheet: cannot read %s\n", file.c_str());
      all_stored = false;
      continue;
    }
    const std::string raw = read_bounded(in, settings.limits.max_bytes);
    all_stored &= process_one(raw, named ? file : "", *ctx->store, settings,
                              fixed_now.value_or(clock.now()));
  }
  return all_stored ? kExitOk : kExitTempFail;
}

// `bounce poll`: one poll of `[inbound] mailbox`, each message's line on stdout, the
// summary last. Exit 1 when the mailbox could not be polled (the line names the key to
// change), 75 when a message could not be stored (it stays for the next poll).
int poll(const std::string& data, const BounceArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  if (ctx->config.inbound.mailbox.empty()) {
    return fail("inbound.mailbox is not set: nothing to poll");
  }
  auto keys = web::load_reader_keys(ctx->config);
  if (!keys) return fail(keys.error());
  auto now_given = now_option(a.now);
  if (!now_given) return fail(now_given.error());
  const std::optional<UnixSeconds> fixed_now = *now_given;
  auto polling = mailbox_polling(ctx->config, *ctx->store, keys->link_key,
                                 SystemClock::instance(), fixed_now);
  if (!polling) return fail(polling.error());
  const std::atomic<bool> never{false};
  auto client = inbound::open_curl_mailbox(polling->client, never);
  if (!client) return fail(client.error());
  const auto report = inbound::poll_once(**client, polling->process, polling->limits, never);
  client->reset();  // ends the session: POP3 carries out its deletions at QUIT
  for (const auto& line : report.lines) std::cout << line << "\n";
  std::cout << polling->client.url.display() << ": " << report.summary() << "\n";
  if (report.kept > 0) return temp_fail(report.failure);
  if (!report.failure.empty()) return fail(report.failure);
  return kExitOk;
}

int list(const std::string& data, const BounceArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto rows = ctx->store->list_suppressions(a.after, a.limit);
  if (!rows) return fail(rows.error());
  for (const auto& s : *rows) {
    std::cout << fmt::format("{}  {}  {}  {}\n",
                             s.address.empty() ? "(removed reader: hash " + s.address_hash.substr(0, 16) + "…)"
                                               : s.address,
                             format_iso8601(s.created_at), s.source, s.reason);
  }
  if (rows->size() == a.limit) {
    std::cout << fmt::format("(more: --after {})\n", rows->back().address_hash);
  }
  return kExitOk;
}

Result<std::string> normalised(const Context& ctx, const std::string& email) {
  auto parsed = address::parse_email(email, ctx.address_policy);
  if (!parsed) return make_error(Errc::invalid_argument, fmt::format("{}: {}", email, parsed.error().message));
  return parsed->normalized;
}

int add(const std::string& data, const BounceArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto email = normalised(*ctx, a.email);
  if (!email) return fail(email.error());
  auto added = ctx->store->add_suppression(*email, a.reason.empty() ? "added by hand" : a.reason,
                                           "manual");
  if (!added) return fail(added.error());
  (void)ctx->store->audit("cli", "suppression.add", *email, a.reason);
  std::cout << (*added ? fmt::format("suppressed {}\n", *email)
                       : fmt::format("{} was suppressed already\n", *email));
  return kExitOk;
}

int remove(const std::string& data, const BounceArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto email = normalised(*ctx, a.email);
  if (!email) return fail(email.error());
  auto removed = ctx->store->remove_suppression(*email);
  if (!removed) return fail(removed.error());
  if (!*removed) return fail(fmt::format("{} is not suppressed", *email));
  (void)ctx->store->audit("cli", "suppression.remove", *email, "");
  std::cout << fmt::format("{} is no longer suppressed\n", *email);
  return kExitOk;
}

}  // namespace

std::string bounce_event_lines(const std::vector<store::BounceEventRow>& events) {
  std::string out;
  for (const auto& e : events) {
    out += fmt::format("  {}  {:<11}  reader {}{}  {}  {}\n", format_iso8601(e.created_at),
                       store::to_string(e.kind), e.subscriber_id,
                       e.issue_id ? fmt::format("  issue {}", *e.issue_id) : "",
                       e.status.empty() ? e.source : e.status, e.action);
  }
  return out;
}

void add_bounce_commands(CLI::App& app, Invocation& invocation) {
  static BounceArgs a;
  auto* bounce = app.add_subcommand("bounce", "Inbound mail: bounces, complaints, unsubscribe mail");
  bounce->require_subcommand(1);
  auto* proc = bounce->add_subcommand(
      "process", "Process one message (a bounce, complaint or unsubscribe mail) from FILE or stdin");
  auto& proc_data = add_data_option(proc);
  proc->add_option("file", a.files,
                   "The message (RFC 5322); none or - for stdin; several are processed in turn");
  proc->add_option("--now", a.now, "Process as at this RFC 3339 instant (default: now)");
  proc->callback([&] { invocation.exit_code = process(proc_data, a); });

  auto* poll_cmd = bounce->add_subcommand(
      "poll", "Poll inbound.mailbox (IMAP or POP3 over TLS) once: process and delete its messages");
  auto& poll_data = add_data_option(poll_cmd);
  poll_cmd->add_option("--now", a.now, "Process as at this RFC 3339 instant (default: now)");
  poll_cmd->callback([&] { invocation.exit_code = poll(poll_data, a); });

  auto* supp = app.add_subcommand("suppression", "The suppression list: addresses never sent to");
  supp->require_subcommand(1);
  auto* list_cmd = supp->add_subcommand("list", "List suppressed addresses");
  auto& list_data = add_data_option(list_cmd);
  list_cmd->add_option("--after", a.after, "Keyset cursor: the hash the previous page ended at");
  list_cmd->add_option("--limit", a.limit, "At most this many")->capture_default_str();
  list_cmd->callback([&] { invocation.exit_code = list(list_data, a); });
  auto* add_cmd = supp->add_subcommand("add", "Suppress an address: it is never sent to");
  auto& add_data = add_data_option(add_cmd);
  add_cmd->add_option("email", a.email, "Email address")->required();
  add_cmd->add_option("--reason", a.reason, "Why, for the list");
  add_cmd->callback([&] { invocation.exit_code = add(add_data, a); });
  auto* rm_cmd = supp->add_subcommand("remove", "Lift the suppression of an address");
  auto& rm_data = add_data_option(rm_cmd);
  rm_cmd->add_option("email", a.email, "Email address")->required();
  rm_cmd->callback([&] { invocation.exit_code = remove(rm_data, a); });
}

}  // namespace broadsheet::cli
