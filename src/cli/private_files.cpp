#include "cli/private_files.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/store.hpp"

namespace broadsheet::cli {
namespace {

namespace fs = std::filesystem;

void add_if_present(std::vector<PrivatePath>& out, const fs::path& p) {
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return;  // a symbolic link is the publisher's choice
  if (S_ISDIR(st.st_mode)) out.push_back({p.string(), true});
  if (S_ISREG(st.st_mode)) out.push_back({p.string(), false});
}

mode_t wanted(const PrivatePath& p) { return p.folder ? 0700 : 0600; }

}  // namespace

std::vector<PrivatePath> private_paths(const Config& config, const std::string& data_dir) {
  std::vector<PrivatePath> out;
  const fs::path dir(data_dir);
  add_if_present(out, dir);
  add_if_present(out, dir / "broadsheet.toml");
  if (std::string db = store::database_file(config.database, data_dir); !db.empty()) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) add_if_present(out, db + suffix);
  }
  const fs::path secrets = dir / config.secrets_dir;
  add_if_present(out, secrets);
  std::error_code ec;
  for (fs::directory_iterator it(secrets, ec), end; !ec && it != end; it.increment(ec)) {
    add_if_present(out, it->path());
  }
  add_if_present(out, dir / "outbox");
  return out;
}

Status make_private(const Config& config, const std::string& data_dir) {
  for (const auto& p : private_paths(config, data_dir)) {
    if (::chmod(p.path.c_str(), wanted(p)) != 0) {
      return make_error(Errc::io, fmt::format("cannot make {} private (chmod {:o}): {}", p.path,
                                              wanted(p), std::strerror(errno)));
    }
  }
  return {};
}

std::vector<std::string> too_open(const Config& config, const std::string& data_dir) {
  std::vector<std::string> lines;
  for (const auto& p : private_paths(config, data_dir)) {
    struct stat st {};
    if (::stat(p.path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) continue;
    lines.push_back(fmt::format("{} is open to other users (mode {:04o}); run chmod {:o} {}",
                                p.path, st.st_mode & 07777, wanted(p), p.path));
  }
  return lines;
}

}  // namespace broadsheet::cli
