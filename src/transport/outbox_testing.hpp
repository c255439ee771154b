// For tests: reading back what the outbox (transport/outbox.hpp) delivered.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "transport/fd.hpp"

namespace broadsheet::transport::testing {

struct OutboxEntry {
  std::string name;  // file name inside new/ or cur/
  std::uint64_t size = 0;
  UnixSeconds mtime = 0;
};

namespace outbox_detail {

using detail::errno_text;
using detail::UniqueFd;

inline constexpr std::size_t kMaxMessageBytes = 64u << 20;

inline bool newer(const OutboxEntry& a, const OutboxEntry& b) {
  return a.mtime != b.mtime ? a.mtime > b.mtime : a.name > b.name;
}

// Adds the regular files of `path` to `kept`, a heap that holds the newest `limit`
// entries with the oldest of them on top.
inline Status scan(
    const std::string& path, std::size_t limit,
    std::priority_queue<OutboxEntry, std::vector<OutboxEntry>, decltype(&newer)>& kept) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    const int err = errno;
    return make_error(err == ENOENT ? Errc::not_found : Errc::io, errno_text("open", path, err));
  }
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;  // ".", ".." and hidden files
    struct stat st {};
    if (::fstatat(::dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone
    if (!S_ISREG(st.st_mode)) continue;
    kept.push({e->d_name, static_cast<std::uint64_t>(st.st_size), st.st_mtim.tv_sec});
    if (kept.size() > limit) kept.pop();
  }
  ::closedir(dir);
  return {};
}

inline Status check_name(std::string_view name) {
  bool ok =
      !name.empty() && name.size() <= 255 && name.front() != '.' &&
      name.find('/') == std::string_view::npos && name.find("..") == std::string_view::npos &&
      std::none_of(name.begin(), name.end(), [](unsigned char c) { return c < 0x20 || c == 0x7F; });
  if (ok) return {};
  return make_error(Errc::invalid_argument, "not the name of a message in the outbox");
}

}  // namespace outbox_detail

// The newest `limit` messages of DIR/new and DIR/cur, newest first (by mtime, then
// name). Errc::not_found when DIR/new does not exist, Errc::io when it cannot be read.
inline Result<std::vector<OutboxEntry>> list_outbox(const std::string& dir, std::size_t limit) {
  std::priority_queue<OutboxEntry, std::vector<OutboxEntry>, decltype(&outbox_detail::newer)> kept(
      outbox_detail::newer);
  if (auto ok = outbox_detail::scan(dir + "/new", limit, kept); !ok) return ok.error();
  if (auto ok = outbox_detail::scan(dir + "/cur", limit, kept);
      !ok && ok.error().code != Errc::not_found) {
    return ok.error();
  }
  std::vector<OutboxEntry> entries;
  entries.reserve(kept.size());
  while (!kept.empty()) {
    entries.push_back(kept.top());
    kept.pop();
  }
  std::reverse(entries.begin(), entries.end());  // the heap gave the oldest first
  return entries;
}

// The bytes of the message called `name` in DIR/new or else DIR/cur.
// Errc::invalid_argument for a name that is empty, starts with '.', or contains '/',
// ".." or a control character; for a file larger than 64 MiB. Errc::not_found when
// no such message; Errc::io otherwise.
inline Result<std::string> read_outbox_message(const std::string& dir, std::string_view name) {
  if (auto ok = outbox_detail::check_name(name); !ok) return ok.error();
  std::string path;
  detail::UniqueFd fd;
  int err = 0;
  for (const char* sub : {"/new/", "/cur/"}) {
    path = dir + sub + std::string(name);
    int raw = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    err = errno;
    if (raw >= 0) {
      fd = detail::UniqueFd(raw);
      break;
    }
    if (err != ENOENT) return make_error(Errc::io, detail::errno_text("open", path, err));
  }
  if (!fd.valid()) {
    return make_error(Errc::not_found, fmt::format("no message {} in the outbox", name));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return make_error(Errc::io, detail::errno_text("stat", path, errno));
  if (!S_ISREG(st.st_mode)) return make_error(Errc::invalid_argument, "not a message file");
  if (static_cast<std::uint64_t>(st.st_size) > outbox_detail::kMaxMessageBytes) {
    return make_error(Errc::invalid_argument, "the message is larger than 64 MiB");
  }
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::pread(fd.get(), bytes.data() + got, bytes.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(Errc::io, detail::errno_text("read", path, errno));
    if (n == 0) break;  // shrank while we read
    got += static_cast<std::size_t>(n);
  }
  bytes.resize(got);
  return bytes;
}

}  // namespace broadsheet::transport::testing
