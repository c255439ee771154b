// What sending needs, built from the configuration: the transport (outbox or SMTP
// pool), the issue renderer's settings (link key, DKIM signer) and the engine's
// options. Used by `issue send` when no server runs, and by `serve`.
#pragma once

#include <memory>
#include <string>

#include "cli/context.hpp"
#include "core/clock.hpp"
#include "send/engine.hpp"
#include "send/issue_messages.hpp"
#include "smtp/smtp.hpp"
#include "store/node_locks.hpp"
#include "transport/outbox.hpp"

namespace broadsheet::cli {

struct Sending {
  std::unique_ptr<transport::Outbox> outbox;  // transport = "outbox"
  std::unique_ptr<smtp::Pool> pool;           // transport = "smtp"
  // Whichever is configured: what the engine and the mail queue hand messages to.
  transport::Transport& transport() {
    return outbox ? static_cast<transport::Transport&>(*outbox) : *pool;
  }
  send::IssueMessageSettings messages;
  send::EngineOptions engine;
  std::string description;                   // "outbox DATA/outbox", "smtp HOST:PORT"
};

// Errc::config for a bad transport, relay, DKIM key or link key. The config must
// outlive the result (messages.config points at it, and links are made from its
// publication.base_url when messages are rendered: set it first, or default_base_url).
// `link_key` is the key of signed links, read once by the caller (web::load_reader_keys)
// that may need it for other things too.
Result<Sending> open_sending(Config& config, std::string link_key);

// The base URL of links when the publisher has not set one: http://LISTEN.
void default_base_url(Config& config);

// The data folder's server locks, both held by a running `serve`: DATA/serve.lock for
// its whole life (one server per folder), and DATA/serve.accepting while it takes
// issues over, let go the moment it begins to stop. `issue send` hands an issue to a
// server only while the second is held. Locks die with their process, even kill -9.
class ServerLock {
 public:
  enum class Kind {
    running,    // serve.lock
    accepting,  // serve.accepting
  };
  // Takes the lock; Errc::conflict when another server holds it.
  static Result<ServerLock> acquire(const std::string& data_dir, Kind kind = Kind::running);
  ServerLock(ServerLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  ServerLock& operator=(ServerLock&&) = delete;
  ~ServerLock();
  // Lets the lock go now rather than at destruction. Not thread-safe against itself.
  void release();

 private:
  explicit ServerLock(int fd) : fd_(fd) {}
  int fd_;
};

// True when a server holds the data folder's lock of that kind now.
bool server_running(const std::string& data_dir);
bool server_accepting(const std::string& data_dir);

// Sender nodes on the database (`serve --role sender` on other data folders or other
// machines, issue 15): those whose heartbeat is at most `window` seconds old at `now`,
// leaving out processes of this host that are gone (killed: their heartbeat stays until
// a live node forgets them). `issue send` on a folder with no server of its own hands
// an issue to them rather than sending it in the command. 0 on a store failure.
int live_sender_nodes(store::NodeLocks& nodes, UnixSeconds now, UnixSeconds window = 15);

}  // namespace broadsheet::cli
