// The subcommands, one registration function per group. Each adds its commands to
// the app; a command's callback stores its exit code in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace broadsheet::cli {

struct Shared {
  int exit_code = 0;
};

// Adds `--data DIR` (default var) to a command and returns where it is stored.
std::string& add_data_option(CLI::App* command);

void add_init_commands(CLI::App& app, Shared& shared);        // init, demo
void add_serve_command(CLI::App& app, Shared& shared);        // serve
void add_newsletter_commands(CLI::App& app, Shared& shared);  // newsletter ...
void add_subscriber_commands(CLI::App& app, Shared& shared);  // subscriber ...
void add_transfer_commands(CLI::App& app, Shared& shared);    // import, export
void add_dkim_commands(CLI::App& app, Shared& shared);        // dkim keygen|check
void add_issue_commands(CLI::App& app, Shared& shared);       // issue ...
void add_user_commands(CLI::App& app, Shared& shared);        // user ..., token ...

}  // namespace broadsheet::cli
