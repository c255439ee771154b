#include "core/secret_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/files.hpp"

namespace broadsheet {
namespace {

// Closes the descriptor on every way out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::string> read_secret_file(const SecretFile& file) {
  const std::string& path = file.path;
  Fd in{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
  if (in.fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return make_error(Errc::config,
                        fmt::format("{} {} does not exist{}", file.what, path, file.missing_hint));
    }
    return make_error(Errc::config,
                      fmt::format("cannot read {} {}: {}", file.what, path, std::strerror(err)));
  }
  struct stat st {};
  if (::fstat(in.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return make_error(Errc::config, fmt::format("{} {} is not a regular file", file.what, path));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return make_error(Errc::config,
                      fmt::format("{} {} is open to others (mode {:04o}); it must be readable "
                                  "by its owner only: chmod 600 {}",
                                  file.what, path, st.st_mode & 07777, path));
  }
  if (static_cast<std::size_t>(st.st_size) > file.max_bytes) {
    return make_error(Errc::config, fmt::format("{} {} is too large", file.what, path));
  }
  auto text = detail::read_to_end(in.fd, file.max_bytes);
  if (!text && text.error().code == Errc::invalid_argument) {  // it grew since fstat
    return make_error(Errc::config, fmt::format("{} {} is too large", file.what, path));
  }
  if (!text) {
    return make_error(Errc::config,
                      fmt::format("cannot read {} {}: {}", file.what, path, text.error().message));
  }
  return text;
}

Result<std::string> read_secret_line(const SecretFile& file) {
  auto text = read_secret_file(file);
  if (!text) return text.error();
  const auto end = text->find('\n');
  if (end != std::string::npos) text->resize(end);
  if (!text->empty() && text->back() == '\r') text->pop_back();
  return text;
}

Result<std::string> read_password_line(const SecretFile& file) {
  auto line = read_secret_line(file);
  if (!line) return line.error();
  if (line->empty()) {
    return make_error(Errc::config,
                      fmt::format("{}: {} starts with an empty line", file.what, file.path));
  }
  return line;
}

}  // namespace broadsheet
