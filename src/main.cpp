// broadsheet: the one binary. Everything it does is a subcommand; see cli/app.hpp.
#include "cli/app.hpp"

int main(int argc, char** argv) { return broadsheet::cli::run(argc, argv); }
