#include "core/files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace broadsheet {
namespace detail {

Result<std::string> read_to_end(int fd, std::size_t max_bytes) {
  std::string text;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(Errc::io, std::strerror(errno));
    if (n == 0) return text;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > max_bytes) return make_error(Errc::invalid_argument, "too large");
  }
}

}  // namespace detail

Result<std::string> read_small_file(const std::string& path, std::size_t max_bytes,
                                    FileKinds kinds) {
  const bool pipes = kinds == FileKinds::regular_or_pipe;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | (pipes ? 0 : O_NONBLOCK));
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return make_error(Errc::not_found, fmt::format("{} does not exist", path));
    return make_error(Errc::io, fmt::format("cannot read {}: {}", path, std::strerror(err)));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || (pipes && S_ISFIFO(st.st_mode)))) {
    return make_error(Errc::io, fmt::format("{} is not a regular file{}", path,
                                            pipes ? " or pipe" : ""));
  }
  auto too_large = [&] {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} is larger than {} bytes", path, max_bytes));
  };
  if (static_cast<std::size_t>(st.st_size) > max_bytes) return too_large();
  auto text = detail::read_to_end(fd, max_bytes);
  if (!text) {
    if (text.error().code == Errc::invalid_argument) return too_large();
    return make_error(Errc::io, fmt::format("cannot read {}: {}", path, text.error().message));
  }
  return text;
}

}  // namespace broadsheet
