// Small POSIX helpers for the file-backed transports of src/transport. Internal.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace broadsheet::transport::detail {

// Owns one file descriptor and closes it once.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      close();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Closes now and reports the error close() saw (0 when none): a write error may
  // only show up here.
  int close() {
    int rc = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

// "write /dir/tmp/name: No space left on device"; thread-safe (no strerror).
inline std::string errno_text(std::string_view operation, std::string_view path, int err) {
  return std::string(operation) + " " + std::string(path) + ": " +
         std::system_category().message(err);
}

}  // namespace broadsheet::transport::detail
