// The command line: `broadsheet <command> [options]`, built with CLI11.
// Every command takes --help and --data DIR (default var/), prints one clear line
// "broadsheet: ..." on stderr and exits non-zero on failure, and shows a progress bar
// on long work when stderr is a terminal.
#pragma once

namespace broadsheet::cli {

// Parses argv, runs the chosen command, returns the process exit code.
int run(int argc, char** argv);

}  // namespace broadsheet::cli
