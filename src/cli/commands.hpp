// The subcommands, one registration function per group. Each adds its commands to
// the app; the callback of the command that runs stores its exit code in the
// Invocation, which main() returns.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace broadsheet::cli {

// What run() learns from the one command that ran.
struct Invocation {
  int exit_code = 0;
};

// Adds `--data DIR` to a command and returns where it is stored. Without it: the
// BROADSHEET_DATA environment variable, else the nearest folder holding a
// broadsheet.toml from the current folder upwards (a data folder, as `init` makes
// it), else ./var (default_data_dir()).
std::string& add_data_option(CLI::App* command);
std::string default_data_dir();

void add_init_commands(CLI::App& app, Invocation& invocation);        // init, demo
void add_serve_command(CLI::App& app, Invocation& invocation);        // serve
void add_newsletter_commands(CLI::App& app, Invocation& invocation);  // newsletter ...
void add_subscriber_commands(CLI::App& app, Invocation& invocation);  // subscriber ...
void add_transfer_commands(CLI::App& app, Invocation& invocation);    // import, export
void add_dkim_commands(CLI::App& app, Invocation& invocation);        // dkim keygen|check
void add_issue_commands(CLI::App& app, Invocation& invocation);       // issue ...
void add_user_commands(CLI::App& app, Invocation& invocation);        // user ..., token ...
void add_feed_commands(CLI::App& app, Invocation& invocation);        // feed ..., article list
void add_bounce_commands(CLI::App& app, Invocation& invocation);  // bounce process, suppression ...
void add_schedule_commands(CLI::App& app, Invocation& invocation);    // schedule tick|show
void add_segment_commands(CLI::App& app, Invocation& invocation);     // segment add|list|remove
void add_store_commands(CLI::App& app, Invocation& invocation);       // migrate-store

}  // namespace broadsheet::cli
