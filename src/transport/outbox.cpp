#include "transport/outbox.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <optional>

#include "transport/fd.hpp"

namespace broadsheet::transport {
namespace {

using detail::errno_text;
using detail::UniqueFd;

constexpr std::size_t kMaxEnvelopeAddress = 254;

// One counter for the whole process, so that two transports on one folder never
// choose the same name within a microsecond.
std::atomic<std::uint64_t> g_delivery_counter{0};

Status make_directory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0) {
    // mkdir's mode is masked by the umask; the outbox holds readers' addresses.
    if (::chmod(path.c_str(), 0700) != 0) {
      return make_error(Errc::io, errno_text("chmod", path, errno));
    }
    return {};
  }
  const int err = errno;
  struct stat st {};
  if (err == EEXIST && ::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return {};
    return make_error(Errc::io, fmt::format("{} exists and is not a directory", path));
  }
  return make_error(Errc::io, errno_text("mkdir", path, err));
}

// The host part of a Maildir name: '/' and ':' would break the name, so they are
// written as octal escapes, as the Maildir specification asks.
std::string maildir_host() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  std::string host;
  for (const char* p = buf; *p != '\0'; ++p) {
    if (*p == '/') {
      host += "\\057";
    } else if (*p == ':') {
      host += "\\072";
    } else {
      host.push_back(*p);
    }
  }
  return host;
}

// An address that can stand inside "<...>" on one header line.
bool header_safe(std::string_view address) {
  if (address.size() > kMaxEnvelopeAddress) return false;
  for (unsigned char c : address) {
    if (c <= 0x20 || c == 0x7F || c == '<' || c == '>') return false;
  }
  return true;
}

int write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

DeliveryResult deferred(std::string reply) {
  return {DeliveryResult::Kind::deferred, 0, "outbox: " + std::move(reply)};
}

DeliveryResult bad_envelope() {
  return {DeliveryResult::Kind::failed, 0,
          "outbox: the envelope addresses must be one word of at most 254 bytes"};
}

// What a local delivery agent prepends.
std::string delivery_head(const Envelope& envelope) {
  return fmt::format("Return-Path: <{}>\r\nDelivered-To: {}\r\n", envelope.mail_from,
                     envelope.rcpt_to);
}

int fsync_directory(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return errno;
  if (::fsync(fd.get()) != 0) return errno;
  return fd.close();
}

}  // namespace

Result<std::unique_ptr<Outbox>> Outbox::open(std::string dir) {
  if (dir.empty()) return make_error(Errc::invalid_argument, "the outbox folder is empty");
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  for (const char* sub : {"", "/tmp", "/new", "/cur"}) {
    if (auto ok = make_directory(dir + sub); !ok) return ok.error();
  }
  return std::unique_ptr<Outbox>(new Outbox(std::move(dir), maildir_host()));
}

Outbox::Outbox(std::string dir, std::string host) : dir_(std::move(dir)), host_(std::move(host)) {}

std::string Outbox::unique_name() const {
  using namespace std::chrono;
  const auto now = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  return fmt::format("{}.M{}P{}Q{}.{}", now / 1'000'000, now % 1'000'000, ::getpid(),
                     ++g_delivery_counter, host_);
}

void Outbox::submit(std::vector<Mail> batch, Completion done) {
  std::vector<DeliveryResult> results(batch.size());
  for (std::size_t start = 0; start < batch.size(); start += kSyncGroup) {
    send_group(std::span(batch).subspan(start, std::min(kSyncGroup, batch.size() - start)),
               std::span(results).subspan(start));
  }
  for (std::size_t i = 0; i < results.size(); ++i) done(i, std::move(results[i]));
}

// Every message of the group is written into tmp/ before any is synced, so the syncs
// find most of the work already done by the first; then all are renamed into new/ and
// new/ is synced once for all of them.
void Outbox::send_group(std::span<const Mail> mails, std::span<DeliveryResult> out) {
  struct Written {
    std::size_t index;
    std::string name, tmp;
    UniqueFd fd;
  };
  std::vector<Written> written;
  written.reserve(mails.size());
  for (std::size_t i = 0; i < mails.size(); ++i) {
    const Envelope& envelope = mails[i].envelope;
    if (!header_safe(envelope.mail_from) || envelope.rcpt_to.empty() ||
        !header_safe(envelope.rcpt_to)) {
      out[i] = bad_envelope();
      continue;
    }
    Written w{i, unique_name(), "", UniqueFd()};
    w.tmp = fmt::format("{}/tmp/{}", dir_, w.name);
    w.fd = UniqueFd(::open(w.tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!w.fd.valid()) {
      out[i] = deferred(errno_text("create", w.tmp, errno));
      continue;
    }
    int err = write_all(w.fd.get(), delivery_head(envelope));
    if (err == 0) err = write_all(w.fd.get(), *mails[i].message);
    if (err != 0) {
      out[i] = deferred(errno_text("write", w.tmp, err));
      ::unlink(w.tmp.c_str());
      continue;
    }
    written.push_back(std::move(w));
  }

  std::vector<Written*> renamed;
  renamed.reserve(written.size());
  for (Written& w : written) {
    std::optional<std::string> failure;
    if (::fsync(w.fd.get()) != 0) {
      failure = errno_text("fsync", w.tmp, errno);
    } else if (int close_err = w.fd.close()) {
      failure = errno_text("close", w.tmp, close_err);
    } else if (::rename(w.tmp.c_str(), fmt::format("{}/new/{}", dir_, w.name).c_str()) != 0) {
      failure = errno_text("rename", fmt::format("{}/new/{}", dir_, w.name), errno);
    }
    if (failure) {
      ::unlink(w.tmp.c_str());
      out[w.index] = deferred(std::move(*failure));
      continue;
    }
    renamed.push_back(&w);
  }
  if (renamed.empty()) return;
  const int err = fsync_directory(dir_ + "/new");
  for (Written* w : renamed) {
    if (err != 0) {
      // Not known to be durable: take them back so that the retry does not duplicate.
      ::unlink(fmt::format("{}/new/{}", dir_, w->name).c_str());
      out[w->index] = deferred(errno_text("fsync", dir_ + "/new", err));
    } else {
      out[w->index] = {DeliveryResult::Kind::delivered, 0, w->name};
    }
  }
}

}  // namespace broadsheet::transport
