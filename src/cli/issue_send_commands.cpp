// `broadsheet issue render|send|pause|resume|cancel`.
//
// send (and resume): a draft or scheduled issue begins sending (its audience fixed in
// the delivery log). When a server runs on the data folder, or sender nodes run on the
// database (their heartbeats, cli/sending.hpp live_sender_nodes), they take the work over
// (their dispatchers claim sending issues) and the command returns, or with --wait
// follows the counts; otherwise the command runs the engine itself. Either way it ends when nothing
// is pending (exit 0), when nothing more can be sent before the next retry (the
// summary with the reasons of the deferrals, exit 3: `serve` or the next `issue send`
// retries them), or when the relay refuses the configuration (the issue is paused with
// the one-line reason naming the key to change, exit 1). A server that is stopping
// takes nothing (sending.hpp's locks): the command says so and exits 3, the issue left
// sending for the server's next start. SIGINT or SIGTERM stops a send run here
// cleanly; the issue stays sending and the next `issue send` or `serve` resumes it from
// the log. Progress: progress.hpp's SendProgressLine, with the deferral reasons as its
// note.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "address/address.hpp"
#include "admin/reader_fields.hpp"
#include "cli/context.hpp"
#include "cli/issue_commands.hpp"
#include "cli/progress.hpp"
#include "cli/sending.hpp"
#include "send/issue_control.hpp"
#include "send/issue_preview.hpp"
#include "web/signup.hpp"

namespace broadsheet::cli {
namespace {

std::atomic<send::SendEngine*> g_engine{nullptr};

void on_stop_signal(int) {
  if (send::SendEngine* e = g_engine.load()) e->request_stop();
}

struct SignalScope {
  explicit SignalScope(send::SendEngine& e) {
    g_engine.store(&e);
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalScope() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    g_engine.store(nullptr);
  }
  struct sigaction old_int_ {}, old_term_ {};
};

// The end of a send followed or run here: the summary line on stderr; the counts and,
// when some are deferred, their most common reasons, on stdout; then why the send
// stopped, if it stopped by itself. Exit 1 when the relay refuses the configuration
// (the issue is paused), else 3 while anything is pending.
int finish(Context& ctx, Id id, SendProgressLine& bar) {
  auto issue = ctx.store->issue_by_id(id);
  if (!issue) return fail(issue.error());
  auto progress = send::issue_progress(*ctx.store, *issue, SystemClock::instance().now());
  if (!progress) return fail(progress.error());
  bar.finish(progress->counts, progress->average);
  std::cout << delivery_counts_line(progress->counts) << "\n";
  if (auto line = deferral_line(progress->counts.deferred, progress->deferrals); !line.empty()) {
    std::cout << line << "\n";
  }
  if (issue->status == IssueStatus::paused && !issue->stopped_reason.empty()) {
    return fail(fmt::format("issue {} stopped: {}; then `broadsheet issue resume {}`", id,
                            issue->stopped_reason, id));
  }
  return progress->pending() ? kExitPending : kExitOk;
}

// When nothing is left but deferred deliveries whose retry is not yet due: the time of
// the first retry.
std::optional<UnixSeconds> waiting_for_retry(Context& ctx, Id id,
                                             const store::DeliveryCounts& counts) {
  if (counts.queued > 0 || counts.deferred == 0) return std::nullopt;
  auto next = ctx.store->next_retry_at(id);
  if (!next || !*next || **next <= SystemClock::instance().now()) return std::nullopt;
  return **next;
}

void say_waiting(Id id, UnixSeconds next, const char* who) {
  std::cerr << fmt::format(
      "issue {}: nothing more can be sent before the next retry at {}; {} retries the "
      "deferred readers\n",
      id, format_iso8601(next), who);
}

// The progress line: sent of total, rate and time left, and while some are deferred,
// why (deferral_line, as the line's note).
void draw(SendProgressLine& bar, Context& ctx, Id id, const store::DeliveryCounts& counts) {
  std::string note;
  if (counts.deferred > 0) {
    auto reasons = ctx.store->deferral_reasons(id, send::kDeferralReasons);
    note =
        deferral_line(counts.deferred, reasons ? *reasons : std::vector<store::DeferralReason>{});
  }
  bar.update(counts, note);
}

// Why a stopping server takes no issue: said when it refuses one, and when it stops
// while one is followed.
std::string server_stopping(const std::string& data, Id id) {
  return fmt::format(
      "the server on {} is stopping; the issue stays sending, and the server's next start "
      "(or `broadsheet issue send {}` once it has stopped) sends the rest",
      data, id);
}

// Sender nodes on the database that take sending issues over (several nodes).
bool sender_nodes_alive(Context& ctx) {
  return live_sender_nodes(*ctx.store, SystemClock::instance().now()) > 0;
}

// Follows a send that the server performs, until the issue is no longer sending,
// nothing more can be sent before the next retry, or the server stops.
int follow(Context& ctx, const std::string& data, Id id) {
  SendProgressLine bar(id);
  for (;;) {
    auto issue = ctx.store->issue_by_id(id);
    if (!issue) return fail(issue.error());
    auto counts = ctx.store->delivery_counts(id);
    if (!counts) return fail(counts.error());
    draw(bar, ctx, id, *counts);
    // Sending, nothing left in the log and nobody holding it: the scheduler has sent
    // the cohorts released so far and releases the next ones later.
    const bool between_releases = issue->status == IssueStatus::sending && counts->queued == 0 &&
                                  counts->deferred == 0 && issue->lease_owner.empty();
    if (issue->status != IssueStatus::sending || between_releases) {
      const int code = finish(ctx, id, bar);
      if (issue->status != IssueStatus::sent && issue->stopped_reason.empty() &&
          !between_releases) {
        std::cerr << fmt::format("issue {} is {}\n", id, to_string(issue->status));
      }
      return code;
    }
    if (auto next = waiting_for_retry(ctx, id, *counts)) {
      const int code = finish(ctx, id, bar);
      say_waiting(id, *next, "the running server");
      return code;
    }
    if (!server_accepting(data) && !sender_nodes_alive(ctx)) {
      const int code = finish(ctx, id, bar);
      std::cerr << fmt::format("issue {}: {}\n", id, server_stopping(data, id));
      return code == kExitOk ? kExitPending : code;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

// Runs the engine in this process until the issue is done, paused, cancelled or the
// command is stopped.
int run_here(Context& ctx, Id id) {
  default_base_url(ctx.config);
  auto keys = web::load_reader_keys(ctx.config);
  if (!keys) return fail(keys.error());
  auto sending = open_sending(ctx.config, std::move(keys->link_key));
  if (!sending) return fail(sending.error());
  sending->engine.end_when_waiting = true;  // the retries are for `serve` or a later send
  const Clock& clock = SystemClock::instance();
  send::SendEngine engine({*ctx.store, *ctx.store, *ctx.store}, sending->transport(),
                          send::issue_messages_factory(sending->messages, *ctx.store, clock),
                          sending->engine, clock);
  SignalScope signals(engine);
  SendProgressLine bar(id);
  auto progress = [&](const send::SendProgress& p) { draw(bar, ctx, id, p.counts); };
  // Said after the summary line, which ends the progress line.
  std::optional<UnixSeconds> waiting;
  std::optional<send::RunOutcome> ended;
  for (;;) {
    auto summary = engine.run(id, progress);
    if (summary) {
      if (summary->outcome == send::RunOutcome::waiting) {
        waiting = waiting_for_retry(ctx, id, summary->counts);
      } else if (summary->outcome != send::RunOutcome::finished &&
                 summary->outcome != send::RunOutcome::relay_refused &&
                 summary->outcome != send::RunOutcome::awaiting_release) {
        ended = summary->outcome;
      }
      break;
    }
    if (summary.error().code != Errc::conflict || engine.stopping()) return fail(summary.error());
    // Another sender holds the issue. When it is a process of this host that died
    // (kill -9), free its lease now; otherwise wait for the lease to run out.
    auto issue = ctx.store->issue_by_id(id);
    if (!issue) return fail(issue.error());
    if (issue->status != IssueStatus::sending) return fail(summary.error());
    if (send::lease_owner_is_dead(issue->lease_owner)) {
      (void)ctx.store->release_lease(id, issue->lease_owner);
      continue;
    }
    std::cerr << fmt::format("issue {}: waiting for the sender {} to finish or its lease to "
                             "expire\n",
                             id, issue->lease_owner);
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (sending->pool) sending->pool->stop();
  const int code = finish(ctx, id, bar);
  if (waiting) say_waiting(id, *waiting, "`broadsheet serve` or the next `issue send`");
  if (ended) std::cerr << fmt::format("issue {}: {}\n", id, to_string(*ended));
  return code;
}

// Hands a sending issue to the server running on the data folder: it takes it up at
// its next look (within a second). The server may begin to stop meanwhile; then the
// issue is not its to send, and false is returned. A server busy with other issues
// takes this one after them.
bool hand_over(Context& ctx, const std::string& data, Id id) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (;;) {
    if (!server_accepting(data)) return false;
    auto issue = ctx.store->issue_by_id(id);
    if (issue && (issue->status != IssueStatus::sending || !issue->lease_owner.empty())) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= until) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

int send_or_hand_over(Context& ctx, const std::string& data, Id id, bool wait) {
  if (!server_running(data)) {
    // No server on this folder: sender nodes on the database take the issue, else this
    // command sends it.
    const int senders = live_sender_nodes(*ctx.store, SystemClock::instance().now());
    if (senders == 0) return run_here(ctx, id);
    std::cerr << fmt::format("issue {}: handed to the sender nodes ({} alive)\n", id, senders);
    return wait ? follow(ctx, data, id) : kExitOk;
  }
  if (!hand_over(ctx, data, id)) {
    std::cerr << fmt::format("issue {}: not handed over: {}\n", id, server_stopping(data, id));
    return kExitPending;
  }
  std::cerr << fmt::format("issue {}: handed to the running server\n", id);
  return wait ? follow(ctx, data, id) : kExitOk;
}

namespace {

int send(const std::string& data, Id id, bool wait, const std::optional<std::string>& segment) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  if (segment) {
    // "" sends to the whole newsletter again.
    std::optional<std::string> name;
    if (!segment->empty()) name = *segment;
    if (auto st = admin::choose_issue_segment(*ctx->store, id, name); !st) return fail(st.error());
  }
  auto started = send::start_send({*ctx->store, *ctx->store, *ctx->store}, id, "cli");
  if (!started) return fail(started.error());
  if (started->resumed) {
    std::cerr << fmt::format("issue {} is already sending; resuming\n", id);
  } else {
    std::cerr << fmt::format("issue {}: sending to {} readers\n", id, started->queued);
  }
  return send_or_hand_over(*ctx, data, id, wait);
}

int steer(const std::string& data, Id id, send::IssueAction action, bool wait) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto issue = send::steer_issue({*ctx->store, *ctx->store, *ctx->store}, id, action, "cli");
  if (!issue) return fail(issue.error());
  auto counts = ctx->store->delivery_counts(id);
  if (!counts) return fail(counts.error());
  std::cout << fmt::format("issue {} is {} ({})\n", id, to_string(issue->status),
                           delivery_counts_line(*counts));
  if (issue->status != IssueStatus::sending) return kExitOk;
  return send_or_hand_over(*ctx, data, id, wait);
}

struct RenderArgs {
  Id id = 0;
  std::string to;
  bool html = false, text = false;
};

int render(const std::string& data, const RenderArgs& a) {
  if (a.html && a.text) return fail("--html and --text exclude each other");
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto reader = send::preview_reader(*ctx->store, a.to, ctx->address_policy);
  if (!reader) return fail(fmt::format("--to: {}", reader.error().message));
  auto issue = ctx->store->issue_by_id(a.id);
  if (!issue) return fail(issue.error());
  auto newsletter = ctx->store->newsletter_by_id(issue->newsletter_id);
  if (!newsletter) return fail(newsletter.error());
  default_base_url(ctx->config);
  auto keys = web::load_reader_keys(ctx->config);
  if (!keys) return fail(keys.error());
  send::IssueMessageSettings settings;
  settings.config = &ctx->config;
  settings.link_key = keys->link_key;
  auto signer = dkim::load_dkim_signer(ctx->config.dkim.keys, ctx->config.data_dir);
  if (!signer) return fail(signer.error());
  settings.signer = std::move(*signer);
  const UnixSeconds now = SystemClock::instance().now();
  auto preview = send::preview_for(settings, *issue, *newsletter, *reader, now);
  if (!preview) return fail(preview.error());
  const auto& prepared = preview->prepared;
  const auto& fields = preview->fields;
  Result<std::string> out = a.html   ? prepared.html_for(fields)
                            : a.text ? prepared.text_for(fields)
                                     : send::signed_message(settings, prepared, fields, now);
  if (!out) return fail(out.error());
  std::cout << *out;
  return kExitOk;
}

}  // namespace

std::string delivery_counts_line(const store::DeliveryCounts& counts) {
  return fmt::format("sent={} deferred={} failed={} queued={}", counts.sent, counts.deferred,
                     counts.failed, counts.queued);
}

std::string deferral_reasons_text(const std::vector<store::DeferralReason>& reasons) {
  std::string out;
  for (const auto& r : reasons) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{}\u00d7 {}", r.count, r.reply.empty() ? "(no reply)" : r.reply);
  }
  return out;
}

std::string deferral_line(std::size_t deferred, const std::vector<store::DeferralReason>& reasons) {
  if (deferred == 0) return "";
  if (reasons.empty()) return fmt::format("deferred {}", deferred);
  return fmt::format("deferred {}: {}", deferred, deferral_reasons_text(reasons));
}

std::optional<std::string> rate_line(const send::IssueProgress& p) {
  if (!p.rate) return std::nullopt;
  if (p.finished) return fmt::format("{} on average", per_second(*p.rate));
  return fmt::format("{} over the last {} s ({} on average)", per_second(*p.rate),
                     send::kRateInterval, per_second(p.average.value_or(0)));
}

void add_issue_render_command(CLI::App& group, Invocation& invocation) {
  static RenderArgs a;
  auto* cmd = group.add_subcommand(
      "render", "Print the exact message one reader would get (signed), or one of its bodies");
  auto& data = add_data_option(cmd);
  cmd->add_option("id", a.id, "The issue's id")->required();
  cmd->add_option("--to", a.to, "The reader's email address")->required();
  cmd->add_flag("--html", a.html, "Only the HTML body, decoded");
  cmd->add_flag("--text", a.text, "Only the plain-text body, decoded");
  cmd->callback([&] { invocation.exit_code = render(data, a); });
}

void add_issue_send_commands(CLI::App& group, Invocation& invocation) {
  static Id id = 0;
  static bool wait = false;
  auto* send_cmd = group.add_subcommand(
      "send", "Send an issue to its newsletter's confirmed readers (or resume sending it)");
  auto& send_data = add_data_option(send_cmd);
  send_cmd->add_option("id", id, "The issue's id")->required();
  send_cmd->add_flag("--wait", wait,
                     "When a server sends it, follow until done or until nothing more can be "
                     "sent before the next retry; exit 0 only when nothing is pending (3 "
                     "otherwise, 1 when the relay refuses the configuration)");
  static std::string segment;
  send_cmd->add_option("--segment", segment,
                       "Send only to this segment's readers (`broadsheet segment list`); \"\" "
                       "for the whole newsletter again");
  send_cmd->callback([&, send_cmd] {
    std::optional<std::string> chosen;
    if (send_cmd->count("--segment") > 0) chosen = segment;
    invocation.exit_code = send(send_data, id, wait, chosen);
  });

  auto* pause_cmd = group.add_subcommand("pause", "Pause an issue that is sending");
  auto& pause_data = add_data_option(pause_cmd);
  pause_cmd->add_option("id", id, "The issue's id")->required();
  pause_cmd->callback([&] {
    invocation.exit_code = steer(pause_data, id, send::IssueAction::pause, false);
  });

  auto* resume_cmd = group.add_subcommand("resume", "Resume a paused issue");
  auto& resume_data = add_data_option(resume_cmd);
  resume_cmd->add_option("id", id, "The issue's id")->required();
  resume_cmd->add_flag("--wait", wait, "As for send");
  resume_cmd->callback([&] {
    invocation.exit_code = steer(resume_data, id, send::IssueAction::resume, wait);
  });

  auto* cancel_cmd = group.add_subcommand("cancel", "Stop an issue for good; the rest is not sent");
  auto& cancel_data = add_data_option(cancel_cmd);
  cancel_cmd->add_option("id", id, "The issue's id")->required();
  cancel_cmd->callback([&] {
    invocation.exit_code = steer(cancel_data, id, send::IssueAction::cancel, false);
  });
}

}  // namespace broadsheet::cli
