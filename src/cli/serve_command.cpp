// `broadsheet serve`: the web server, until SIGINT or SIGTERM, with the sender of the
// reader side's mail queue (send/mail_queue.hpp), the dispatcher of issues
// (send/dispatcher.hpp), the scheduler's step every few seconds (scheduler/tick.hpp)
// and, with `[inbound] listen`, the LMTP/SMTP listener for bounces and unsubscribe mail
// (inbound/listener.hpp) beside it; with `[inbound] mailbox`, the poller of that mailbox
// (inbound/poller.hpp), whose failures (cannot connect, login refused, certificate not
// trusted) are logged at each poll they change and do not stop serve.
//
// Stopping takes seconds whatever the relay does. The moment SIGTERM comes, the server
// takes no more hand-overs (`issue send` is told so), the issues being sent stop
// handing messages over, and the SMTP pool gets kShutdownGrace to finish what is in
// progress before every connection is cut (no connect or command timeout applies to
// shutting down). Meanwhile the HTTP server finishes its requests. Then the sign-up
// emails queued are sent while the pool still takes them. Messages that did not leave
// stay in the delivery log as they were (queued or deferred), so the next start sends
// them, once.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "bounce/bounce.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/feed_limits.hpp"
#include "cli/mailbox_polling.hpp"
#include "cli/private_files.hpp"
#include "cli/relay_check.hpp"
#include "cli/scheduling.hpp"
#include "cli/sending.hpp"
#include "send/test_send.hpp"
#include "http/server.hpp"
#include "inbound/listener.hpp"
#include "inbound/mailboxes.hpp"
#include "send/dispatcher.hpp"
#include "send/mail_queue.hpp"
#include "send/metrics.hpp"
#include "app/routes.hpp"
#include "send/reader_emails.hpp"
#include "web/web_context.hpp"

namespace broadsheet::cli {
namespace {

// How long the SMTP pool may go on after SIGTERM before its connections are cut.
constexpr std::chrono::milliseconds kShutdownGrace{2000};
// How often the scheduler's step runs (feeds, drafts, releases: scheduler/tick.hpp).
constexpr std::chrono::milliseconds kScheduleInterval{5000};

// broadsheet_issue_deliveries{issue="ID",status="sent"} for every issue being sent.
std::vector<std::pair<std::string, double>> sending_issue_gauges(store::Store& store) {
  std::vector<std::pair<std::string, double>> out;
  store::IssueQuery q;
  q.status = IssueStatus::sending;
  auto issues = store.list_issues(q);
  if (!issues) return out;
  for (const auto& issue : *issues) {
    auto c = store.delivery_counts(issue.id);
    if (!c) continue;
    const std::string id = http::Metrics::label("issue", std::to_string(issue.id));
    for (auto [name, n] : {std::pair<const char*, std::size_t>{"queued", c->queued},
                           {"sent", c->sent}, {"deferred", c->deferred}, {"failed", c->failed}}) {
      out.emplace_back(id + "," + http::Metrics::label("status", name), static_cast<double>(n));
    }
  }
  return out;
}

// The LMTP/SMTP listener of `[inbound] listen` (inbound/listener.hpp), serving on its
// own threads; nothing when the key is empty. Errc::io when it cannot bind.
Result<std::unique_ptr<inbound::Listener>> start_inbound(Context& ctx, const std::string& link_key,
                                                        const Clock& clock) {
  const Config& config = ctx.config;
  if (config.inbound.listen.empty()) return std::unique_ptr<inbound::Listener>();
  auto where = parse_listen(config.inbound.listen);
  if (!where) return make_error(Errc::config, "inbound.listen: " + where.error().message);
  auto newsletters = ctx.store->list_newsletters(false);
  if (!newsletters) return newsletters.error();
  auto mailboxes = std::make_shared<inbound::Mailboxes>(
      inbound::mailboxes_of(config, *newsletters, link_key));
  auto settings = std::make_shared<bounce::Settings>(bounce::settings_from(config, link_key));
  inbound::ListenerOptions options;
  options.host_name = mailboxes->bounce_domains().empty() ? "localhost"
                                                           : mailboxes->bounce_domains().front();
  options.limits.max_message_bytes = settings->limits.max_bytes;
  options.max_connections = config.inbound.max_connections;
  // Deliveries wait on the store's commit; the more wait at once, the more share one.
  options.workers = std::min(config.inbound.max_connections, 16);
  options.timeout = std::chrono::seconds(config.inbound.timeout);
  store::Bounces& bounces = *ctx.store;
  auto listener = std::make_unique<inbound::Listener>(
      options, inbound::Hooks{[mailboxes](std::string_view a) { return mailboxes->accepts(a); }},
      [&bounces, settings, &clock](std::string_view recipient, std::string_view message) {
        return inbound::deliver(recipient, message, bounces, *settings, clock);
      });
  auto port = listener->listen(where->host, where->port);
  if (!port) return port.error();
  listener->start();
  std::string domains, unsubscribe;
  for (const auto& d : mailboxes->bounce_domains()) domains += (domains.empty() ? "" : ", ") + d;
  for (const auto& a : mailboxes->unsubscribe_addresses()) {
    unsubscribe += (unsubscribe.empty() ? "" : ", ") + a;
  }
  spdlog::info("inbound: LMTP/SMTP on {}:{} for bounce+TOKEN@ {} and {}", where->host, *port,
               domains.empty() ? "(no domain)" : domains, unsubscribe);
  return listener;
}

// The poller of `[inbound] mailbox`, started; nothing when the key is empty. Errc::config
// when the mailbox or its password file cannot be used (a fatal error at start); what
// happens at the server (refused login, untrusted certificate) is logged, not fatal.
Result<std::unique_ptr<inbound::Poller>> start_mailbox_poller(Context& ctx,
                                                              const std::string& link_key,
                                                              const Clock& clock) {
  const Config& config = ctx.config;
  if (config.inbound.mailbox.empty()) return std::unique_ptr<inbound::Poller>();
  auto polling = mailbox_polling(config, *ctx.store, link_key, clock);
  if (!polling) return polling.error();
  const std::string where = polling->client.url.display();
  auto log = [where, last_failure = std::string()](const inbound::PollReport& r) mutable {
    for (const auto& line : r.lines) spdlog::info("inbound {}: {}", where, line);
    if (r.stopped) return;
    if (r.failure != last_failure) {
      if (!r.failure.empty()) {
        spdlog::error("inbound {}: {}", where, r.failure);
      } else {
        spdlog::info("inbound {}: polled again without error", where);
      }
      last_failure = r.failure;
    }
    if (r.listed > 0) spdlog::info("inbound {}: {}", where, r.summary());
  };
  auto poller = std::make_unique<inbound::Poller>(
      [client = polling->client](const std::atomic<bool>& stop) {
        return inbound::open_curl_mailbox(client, stop);
      },
      polling->process, polling->limits, std::chrono::seconds(config.inbound.poll_interval),
      std::move(log));
  poller->start();
  spdlog::info("inbound: polling {} every {} s", where, config.inbound.poll_interval);
  return poller;
}

int run_serve(const std::string& data, const std::string& listen_override) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto& config = ctx->config;
  if (!listen_override.empty()) config.http.listen = listen_override;
  auto where = parse_listen(config.http.listen);
  if (!where) return fail(fmt::format("--listen: {}", where.error().message));
  // Links in real mail would otherwise point at http://[::]:PORT/, which no reader can
  // open: a wildcard address says nothing of how readers reach the server.
  const bool wildcard = where->host.empty() || where->host == "0.0.0.0" || where->host == "::";
  if (config.transport == "smtp" && config.publication.base_url.empty() && wildcard) {
    return fail(fmt::format(
        "publication.base_url is empty and the server listens on every address ({}): set "
        "publication.base_url (or BROADSHEET_PUBLICATION_BASE_URL) to the public URL readers "
        "reach, e.g. https://news.example.com, before sending real mail",
        config.http.listen));
  }
  spdlog::set_level(spdlog::level::from_str(config.log.level));
  // Readers' data and secrets open to other users of the machine: said at every start,
  // one line each, with the command that fixes it (`init` fixes them all).
  for (const auto& line : too_open(config, data)) spdlog::warn("{}", line);

  auto templates = web::Templates::load();
  if (!templates) return fail(templates.error());
  auto keys = web::load_reader_keys(config);
  if (!keys) return fail(keys.error());
  // One server per data folder: `issue send` looks for it to hand the work over.
  auto lock = ServerLock::acquire(data);
  if (!lock) return fail(lock.error());
  auto hand_overs = ServerLock::acquire(data, ServerLock::Kind::accepting);
  if (!hand_overs) return fail(hand_overs.error());
  // Transport, DKIM keys and link key are checked before anything listens. Links in
  // emails are made from publication.base_url, set below once the port is known.
  auto sending = open_sending(config, keys->link_key);
  if (!sending) return fail(sending.error());
  const Clock& clock = SystemClock::instance();
  web::SignupService signup(config, {*ctx->store, *ctx->store}, clock, std::move(keys).value());
  http::Metrics metrics;
  send::TestSender test_sender(sending->messages, sending->transport(), *ctx->store, *ctx->store,
                               ctx->address_policy, clock);
  web::WebContext web_ctx{config, *ctx->store, metrics, *templates, signup, clock, {},
                          &test_sender};
  web_ctx.messages = &sending->messages;
  // Provider webhooks: their secrets are read now, so a bad one fails the start.
  auto webhook_settings = webhooks::settings_from(config, sending->messages.link_key);
  if (!webhook_settings) return fail(webhook_settings.error());
  feeds::CurlFetcher certificate_fetcher(
      {std::chrono::seconds(5), std::chrono::seconds(10), 64 * 1024, 0});
  auto sns_certificates = std::make_shared<webhooks::SnsCertificates>(
      (std::filesystem::path(config.data_dir) / config.webhooks.sns_certificates).string(),
      config.webhooks.sns_fetch_certificates ? &certificate_fetcher : nullptr);
  webhooks::Receiver webhook_receiver(std::move(*webhook_settings),
                                      {*ctx->store, *ctx->store, *ctx->store}, sns_certificates,
                                      clock);
  http::Router router = app::build_router(web_ctx, &webhook_receiver);
  http::Server server(config.http, router, metrics);
  auto port = server.listen(where->host, where->port);
  if (!port) return fail(port.error());
  std::string host = where->host.find(':') != std::string::npos ? "[" + where->host + "]" : where->host;
  if (config.publication.base_url.empty()) {
    // Links in emails point at this server unless the publisher names its public address.
    config.publication.base_url = fmt::format("http://{}:{}", host, *port);
  }
  // Sign-up emails are rendered on the sending side, signed with the same keys as issues.
  send::ReaderEmails reader_emails(config, sending->messages.link_key, sending->messages.signer,
                                   clock);
  send::MailQueueSender mail_queue(
      {*ctx->store, *ctx->store}, sending->transport(),
      [&reader_emails](const store::QueuedMail& m, const std::vector<Newsletter>& n) {
        return reader_emails.render(m, n);
      },
      clock);
  metrics.add_gauge("broadsheet_mail_queue_pending",
                    "Sign-up emails (confirmations, welcomes) queued and not yet sent.",
                    [store = ctx->store.get()]() -> std::vector<std::pair<std::string, double>> {
                      auto state = store->mail_queue_state();
                      if (!state) return {};
                      return {{"", static_cast<double>(state->pending)}};
                    });
  send::SendMetrics send_metrics(*ctx->store);
  metrics.add_text([&send_metrics] { return send_metrics.render(); });
  metrics.add_text([&ctx] { return bounce::metrics_text(*ctx->store); });
  metrics.add_gauge("broadsheet_issue_deliveries",
                    "Deliveries of the issues being sent, by status.",
                    [store = ctx->store.get()] { return sending_issue_gauges(*store); });
  send::SendEngine engine({*ctx->store, *ctx->store, *ctx->store}, sending->transport(),
                          send::issue_messages_factory(sending->messages, *ctx->store, clock),
                          sending->engine, clock, send_metrics.observer());
  send::SendDispatcher dispatcher({*ctx->store, *ctx->store}, engine, sending->engine.owner,
                                  sending->engine.lease_seconds, clock);
  // An issue the API began or resumed is taken up now, not at the dispatcher's next look.
  web_ctx.sending_changed = [&dispatcher] { dispatcher.poke(); };
  // The scheduler's step on its own thread; what it releases is sent at once.
  feeds::CurlFetcher fetcher(fetch_limits(config));
  scheduler::Runner scheduler(scheduler_parts(*ctx, fetcher, data), data, release_options(config), clock,
                              kScheduleInterval, [&dispatcher](const scheduler::TickReport& r) {
                                if (!r.releases.empty()) dispatcher.poke();
                              });
  metrics.add_text([store = ctx->store.get()]() -> std::string {
    auto skipped = store->skipped_cohorts_total();
    if (!skipped) return {};
    return fmt::format(
        "# HELP broadsheet_schedule_cohorts_skipped_total Cohorts of scheduled issues skipped "
        "as later than schedule.late_window.\n"
        "# TYPE broadsheet_schedule_cohorts_skipped_total counter\n"
        "broadsheet_schedule_cohorts_skipped_total {}\n",
        *skipped);
  });
  ctx->store->set_mail_listener([&mail_queue] { mail_queue.wake(); });
  // Bounces and unsubscribe mail from the publisher's MTA, when `[inbound] listen` is set.
  auto inbound = start_inbound(*ctx, sending->messages.link_key, clock);
  if (!inbound) return fail(inbound.error());
  auto poller = start_mailbox_poller(*ctx, sending->messages.link_key, clock);
  if (!poller) return fail(poller.error());
  server.on_stopping([&] {
    if (*inbound) (*inbound)->request_stop();
    if (*poller) (*poller)->request_stop();
    scheduler.request_stop();
    hand_overs->release();
    dispatcher.request_stop();
    if (sending->pool) sending->pool->stop_within(kShutdownGrace);
    spdlog::info("send: stopping; no more hand-overs, the issues being sent stop where they are");
  });
  mail_queue.start();
  dispatcher.start();
  scheduler.start();
  spdlog::info("Broadsheet serving {} on http://{}:{}; sending through {}",
               config.publication.name, host, *port, sending->description);
  if (sending->pool) log_relay_checks(*sending->pool);
  server.run();
  // Issues being sent stop where they are and resume at the next start; sign-up
  // emails already queued go out first. The scheduler's step under way ends first.
  scheduler.stop();
  if (*inbound) (*inbound)->stop();
  if (*poller) (*poller)->stop();
  dispatcher.stop();
  ctx->store->set_mail_listener({});
  mail_queue.stop();
  if (sending->pool) sending->pool->stop();
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, Invocation& invocation) {
  static std::string listen;
  auto* serve = app.add_subcommand("serve", "Run the web server until SIGINT or SIGTERM");
  auto& data = add_data_option(serve);
  serve->add_option("--listen", listen, "HOST:PORT to listen on (default: [http] listen)");
  serve->callback([&] { invocation.exit_code = run_serve(data, listen); });
}

}  // namespace broadsheet::cli
