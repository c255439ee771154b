#include "transport/outbox_reader.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <queue>

#include "core/text.hpp"
#include "transport/fd.hpp"

namespace broadsheet::transport {
namespace {

using detail::errno_text;
using detail::UniqueFd;

constexpr std::size_t kMaxOutboxHeaderValue = 998;

bool newer_entry(const OutboxEntry& a, const OutboxEntry& b) {
  return a.mtime != b.mtime ? a.mtime > b.mtime : a.name > b.name;
}

using NewestHeap = std::priority_queue<OutboxEntry, std::vector<OutboxEntry>, decltype(&newer_entry)>;

// Adds the regular files of `path` to `kept`, a heap that holds the newest `limit`
// entries with the oldest of them on top.
Status scan_outbox_folder(const std::string& path, std::size_t limit, NewestHeap& kept) {
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

Status check_outbox_name(std::string_view name) {
  bool ok =
      !name.empty() && name.size() <= 255 && name.front() != '.' &&
      name.find('/') == std::string_view::npos && name.find("..") == std::string_view::npos &&
      std::none_of(name.begin(), name.end(), [](unsigned char c) { return c < 0x20 || c == 0x7F; });
  if (ok) return {};
  return make_error(Errc::invalid_argument, "not the name of a message in the outbox");
}

}  // namespace

Result<std::vector<OutboxEntry>> list_outbox(const std::string& dir, std::size_t limit) {
  NewestHeap kept(newer_entry);
  if (auto ok = scan_outbox_folder(dir + "/new", limit, kept); !ok) return ok.error();
  if (auto ok = scan_outbox_folder(dir + "/cur", limit, kept);
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

Result<std::string> read_outbox_message(const std::string& dir, std::string_view name,
                                        std::size_t head) {
  if (auto ok = check_outbox_name(name); !ok) return ok.error();
  std::string path;
  UniqueFd fd;
  int err = 0;
  for (const char* sub : {"/new/", "/cur/"}) {
    path = dir + sub + std::string(name);
    int raw = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    err = errno;
    if (raw >= 0) {
      fd = UniqueFd(raw);
      break;
    }
    if (err != ENOENT) return make_error(Errc::io, errno_text("open", path, err));
  }
  if (!fd.valid()) {
    return make_error(Errc::not_found, fmt::format("no message {} in the outbox", name));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return make_error(Errc::io, errno_text("stat", path, errno));
  if (!S_ISREG(st.st_mode)) return make_error(Errc::invalid_argument, "not a message file");
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (head > 0) {
    size = std::min<std::uint64_t>(size, head);
  } else if (size > kMaxOutboxMessage) {
    return make_error(Errc::invalid_argument, "the message is larger than 64 MiB");
  }
  std::string bytes(static_cast<std::size_t>(size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::pread(fd.get(), bytes.data() + got, bytes.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(Errc::io, errno_text("read", path, errno));
    if (n == 0) break;  // shrank while we read
    got += static_cast<std::size_t>(n);
  }
  bytes.resize(got);
  return bytes;
}

std::string outbox_header(std::string_view head, std::string_view field) {
  std::size_t pos = 0;
  while (pos < head.size()) {
    std::size_t eol = head.find('\n', pos);
    if (eol == std::string_view::npos) eol = head.size();
    std::string_view line = head.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the end of the header
    const auto colon = line.find(':');
    if (colon != std::string_view::npos && ascii_iequals(line.substr(0, colon), field)) {
      std::string value(line.substr(colon + 1));
      // Folded lines continue with a space or a tab.
      std::size_t next = eol + 1;
      while (next < head.size() && (head[next] == ' ' || head[next] == '\t')) {
        std::size_t end = head.find('\n', next);
        if (end == std::string_view::npos) end = head.size();
        std::string_view more = head.substr(next, end - next);
        if (!more.empty() && more.back() == '\r') more.remove_suffix(1);
        value += more;
        next = end + 1;
      }
      const auto first = value.find_first_not_of(" \t");
      value = first == std::string::npos ? std::string() : value.substr(first);
      if (value.size() > kMaxOutboxHeaderValue) value.resize(kMaxOutboxHeaderValue);
      return value;
    }
    pos = eol + 1;
  }
  return "";
}

}  // namespace broadsheet::transport
