// `broadsheet serve`: the web server, until SIGINT or SIGTERM, with the sender of the
// reader side's mail queue (send/mail_queue.hpp) beside it. On SIGTERM the server
// drains its requests first, then the sender sends what is queued (for a few seconds
// at most; the rest waits in the queue for the next start).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "http/server.hpp"
#include "send/mail_queue.hpp"
#include "send/outbox.hpp"
#include "web/routes.hpp"

namespace broadsheet::cli {
namespace {

int run_serve(const std::string& data, const std::string& listen_override) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto& config = ctx->config;
  if (!listen_override.empty()) config.http.listen = listen_override;
  auto where = parse_listen(config.http.listen);
  if (!where) return fail(fmt::format("--listen: {}", where.error().message));
  spdlog::set_level(spdlog::level::from_str(config.log.level));

  auto templates = web::Templates::load();
  if (!templates) return fail(templates.error());
  auto keys = web::load_reader_keys(config);
  if (!keys) return fail(keys.error());
  auto outbox = OutboxTransport::open((std::filesystem::path(data) / "outbox").string());
  if (!outbox) return fail(outbox.error());
  const Clock& clock = SystemClock::instance();
  web::SignupService signup(config, *ctx->store, clock, std::move(keys).value());
  MailQueueSender mail_queue(
      *ctx->store, **outbox,
      [&signup](const QueuedMail& m, const std::vector<Newsletter>& n) {
        return signup.render_queued(m, n);
      },
      clock);
  http::Metrics metrics;
  web::WebContext web_ctx{config, *ctx->store, metrics, *templates, signup, clock};
  http::Router router = web::build_router(web_ctx);
  http::Server server(config.http, router, metrics);
  auto port = server.listen(where->host, where->port);
  if (!port) return fail(port.error());
  std::string host = where->host.find(':') != std::string::npos ? "[" + where->host + "]" : where->host;
  if (config.publication.base_url.empty()) {
    // Links in emails point at this server unless the publisher names its public address.
    config.publication.base_url = fmt::format("http://{}:{}", host, *port);
  }
  // Started once the links it writes into emails are known.
  ctx->store->set_mail_listener([&mail_queue] { mail_queue.wake(); });
  mail_queue.start();
  spdlog::info("Broadsheet serving {} on http://{}:{}", config.publication.name, host, *port);
  server.run();
  ctx->store->set_mail_listener({});
  mail_queue.stop();
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, Shared& shared) {
  static std::string listen;
  auto* serve = app.add_subcommand("serve", "Run the web server until SIGINT or SIGTERM");
  auto& data = add_data_option(serve);
  serve->add_option("--listen", listen, "HOST:PORT to listen on (default: [http] listen)");
  serve->callback([&] { shared.exit_code = run_serve(data, listen); });
}

}  // namespace broadsheet::cli
