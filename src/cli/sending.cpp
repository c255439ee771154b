#include "cli/sending.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>

namespace broadsheet::cli {

void default_base_url(Config& config) {
  if (!config.publication.base_url.empty()) return;
  config.publication.base_url = "http://" + config.http.listen;
}

Result<Sending> open_sending(Config& config, std::string link_key) {
  Sending s;
  s.messages.config = &config;
  s.messages.link_key = std::move(link_key);
  auto signer = dkim::load_dkim_signer(config.dkim.keys, config.data_dir);
  if (!signer) return signer.error();
  s.messages.signer = std::move(*signer);

  s.engine.owner = send::process_owner_id();
  s.engine.workers = config.send.workers;
  s.engine.batch_size = static_cast<std::size_t>(config.send.batch_size);
  s.engine.in_flight = static_cast<std::size_t>(config.send.in_flight);
  s.engine.rate = config.send.rate;
  s.engine.domain_in_flight = config.send.domain_in_flight;
  s.engine.domain_rate = config.send.domain_rate;
  s.engine.backoff = config.send.backoff;
  s.engine.give_up_after = config.send.give_up_after;
  s.engine.lease_seconds = config.send.lease_seconds;

  if (config.transport == "smtp") {
    auto options = smtp::pool_options_from(config);
    if (!options) return options.error();
    const auto& relay = options->relays.front();
    s.description = fmt::format("smtp {}:{} ({})", relay.host, relay.port,
                                smtp::tls_mode_name(relay.tls));
    auto pool = smtp::Pool::start(std::move(*options));
    if (!pool) return pool.error();
    s.pool = std::move(*pool);
  } else {
    const std::string dir = (std::filesystem::path(config.data_dir) / "outbox").string();
    auto outbox = transport::Outbox::open(dir);
    if (!outbox) return outbox.error();
    s.outbox = std::move(*outbox);
    s.description = "outbox " + dir;
  }
  return s;
}

namespace {

std::string lock_path(const std::string& data_dir, ServerLock::Kind kind) {
  const char* name = kind == ServerLock::Kind::running ? "serve.lock" : "serve.accepting";
  return (std::filesystem::path(data_dir) / name).string();
}

bool lock_held(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

}  // namespace

Result<ServerLock> ServerLock::acquire(const std::string& data_dir, Kind kind) {
  const std::string path = lock_path(data_dir, kind);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(Errc::io, fmt::format("cannot open {}", path));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return make_error(Errc::conflict,
                      fmt::format("another server is already running on {}", data_dir));
  }
  return ServerLock(fd);
}

ServerLock::~ServerLock() { release(); }

void ServerLock::release() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  fd_ = -1;
}

bool server_running(const std::string& data_dir) {
  return lock_held(lock_path(data_dir, ServerLock::Kind::running));
}

bool server_accepting(const std::string& data_dir) {
  return lock_held(lock_path(data_dir, ServerLock::Kind::accepting));
}

int live_sender_nodes(store::NodeLocks& nodes, UnixSeconds now, UnixSeconds window) {
  auto seen = nodes.live_nodes(now - window);
  if (!seen) return 0;
  int senders = 0;
  for (const auto& n : *seen) {
    if (n.roles.find("sender") != std::string::npos && !send::lease_owner_is_dead(n.owner)) {
      ++senders;
    }
  }
  return senders;
}

}  // namespace broadsheet::cli
