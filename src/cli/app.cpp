#include "cli/app.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <string_view>

#include "cli/commands.hpp"
#include "cli/context.hpp"

namespace broadsheet::cli {

std::string default_data_dir() {
  if (const char* env = std::getenv("BROADSHEET_DATA"); env && *env) return env;
  std::error_code ec;
  auto dir = std::filesystem::current_path(ec);
  if (ec) return "var";
  for (; !dir.empty(); dir = dir.parent_path()) {
    // A folder that cannot be looked into is passed by (is_regular_file is false).
    std::error_code missing;
    if (std::filesystem::is_regular_file(dir / "broadsheet.toml", missing)) return dir.string();
    if (dir == dir.parent_path()) break;
  }
  return "var";
}

std::string& add_data_option(CLI::App* command) {
  // Options outlive the parse; a deque keeps their addresses stable.
  static std::deque<std::string> storage;
  static const std::string fallback = default_data_dir();
  auto& dir = storage.emplace_back(fallback);
  command->add_option("--data", dir, "Data folder (configuration, database, secrets)")
      ->capture_default_str();
  return dir;
}

int run(int argc, char** argv) {
  CLI::App app{"Broadsheet: a self-hosted newsletter server for news publishers.", "broadsheet"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "broadsheet 0.1.0");
  // Logs go to stderr so that stdout carries only what a command prints (JSON, CSV).
  spdlog::set_default_logger(spdlog::stderr_color_mt("broadsheet"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  Invocation invocation;
  add_init_commands(app, invocation);
  add_serve_command(app, invocation);
  add_newsletter_commands(app, invocation);
  add_subscriber_commands(app, invocation);
  add_transfer_commands(app, invocation);
  add_dkim_commands(app, invocation);
  add_issue_commands(app, invocation);
  add_user_commands(app, invocation);
  add_feed_commands(app, invocation);
  add_bounce_commands(app, invocation);
  add_schedule_commands(app, invocation);
  add_segment_commands(app, invocation);
  add_store_commands(app, invocation);
  // Name a mistyped command rather than CLI11's "a subcommand is required".
  CLI::App* level = &app;
  std::string path;
  for (int i = 1; i < argc && !level->get_subcommands({}).empty(); ++i) {
    std::string_view arg = argv[i];
    if (arg.empty() || arg.front() == '-') break;
    CLI::App* next = nullptr;
    for (auto* sub : level->get_subcommands({})) {
      if (sub->get_name() == arg) next = sub;
    }
    path += (path.empty() ? "" : " ") + std::string(arg.substr(0, 60));
    if (!next) {
      std::fprintf(stderr, "broadsheet: unknown command '%s' (see --help)\n", path.c_str());
      return kExitUsage;
    }
    level = next;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One clear line, and where to look for the rest.
    std::fprintf(stderr, "broadsheet: %s (see --help)\n", e.what());
    return kExitUsage;
  }
  return invocation.exit_code;
}

}  // namespace broadsheet::cli
