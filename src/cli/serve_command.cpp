// `broadsheet serve`: the web server, until SIGINT or SIGTERM.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "http/server.hpp"
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
  http::Metrics metrics;
  web::WebContext web_ctx{config, *ctx->store, metrics, *templates};
  http::Router router = web::build_router(web_ctx);
  http::Server server(config.http, router, metrics);
  auto port = server.listen(where->host, where->port);
  if (!port) return fail(port.error());
  std::string host = where->host.find(':') != std::string::npos ? "[" + where->host + "]" : where->host;
  spdlog::info("Broadsheet serving {} on http://{}:{}", config.publication.name, host, *port);
  server.run();
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
