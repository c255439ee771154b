// The files of a data folder that hold secrets or readers' data, and their modes: the
// folder itself, broadsheet.toml (which may name smtp.password), the SQLite database
// with its -wal, -shm and -journal files (addresses, token and password hashes), the
// secrets folder and every file in it, and the outbox (whole messages to readers).
// Folders are to be 0700 and files 0600: readable by their owner alone.
//
// `init` makes them so whatever existed before (make_private); `serve` warns about
// those that are too open (too_open). Neither follows symbolic links out of the folder
// nor touches anything else in it. Not thread-safe (it changes files).
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/result.hpp"

namespace broadsheet::cli {

struct PrivatePath {
  std::string path;
  bool folder = false;
};

// The paths above that exist, for `config` of the data folder `data_dir`.
std::vector<PrivatePath> private_paths(const Config& config, const std::string& data_dir);

// chmod 0700 each folder and 0600 each file of private_paths(); the first failure.
Status make_private(const Config& config, const std::string& data_dir);

// One line per path that others may read or write, naming it and the chmod to run.
std::vector<std::string> too_open(const Config& config, const std::string& data_dir);

}  // namespace broadsheet::cli
