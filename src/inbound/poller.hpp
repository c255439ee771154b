// Polling a mailbox for bounces and unsubscribe mail (`[inbound] mailbox`): the third
// way in beside `bounce process` and the LMTP listener, for a publisher whose bounces
// land in an IMAP or POP3 mailbox. Each poll lists the mailbox, hands each message to
// the inbound processor (bounce/bounce.hpp) and deletes exactly the messages it
// handled or deliberately ignored.
//
// What it decides, per message:
//   - larger than the limit (`bounce.max_message_bytes`, by the size the server lists
//     or found while fetching): not read, deleted and logged (the processor would
//     ignore it, and left there it would be listed again at every poll);
//   - processed (kept, a duplicate, or ignored by the processor): deleted;
//   - not stored (the store busy or unavailable): kept for the next poll, and the poll
//     ends there, since the store will refuse the next one too.
// At most PollLimits::max_messages are read a poll; the rest wait for the next one.
// The mail is taken through a MailboxClient (the transport: curl_mailbox.hpp over
// libcurl, fakes in tests); a failure of the client ends the poll with its one-line
// error (which names the key to change), after deleting what was handled when it
// still can. A message handled twice (a poll stopped before its deletions, a POP3
// session cut before QUIT) counts once: the processor keeps each event once.
//
// Poller runs polls on its own thread every `inbound.poll_interval` seconds, as serve
// does; a poll under way stops within about a second of request_stop() (the client's
// transfers watch the same flag). Thread-safety: poll_once is reentrant; a Poller's
// request_stop() is safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bounce/bounce.hpp"
#include "core/result.hpp"

namespace broadsheet::inbound {

// A message as the mailbox lists it: the id the client knows it by (an IMAP UID, a
// POP3 message number) and its size in bytes.
struct MailboxEntry {
  std::string id;
  std::size_t size = 0;
};

// One session with a mailbox. Every call may fail with Errc::io (or Errc::config for a
// refused login or certificate) and a line for the operator.
class MailboxClient {
 public:
  virtual ~MailboxClient() = default;
  // The messages in the mailbox now, oldest first.
  virtual Result<std::vector<MailboxEntry>> list() = 0;
  // The whole message; Errc::invalid_argument when it is larger than max_bytes.
  virtual Result<std::string> fetch(const MailboxEntry& entry, std::size_t max_bytes) = 0;
  // Deletes these messages (IMAP: \Deleted, then expunged; POP3: DELE, which the server
  // carries out at the end of the session).
  virtual Status remove(const std::vector<std::string>& ids) = 0;
};

struct PollLimits {
  std::size_t max_bytes = 10 << 20;  // bounce.max_message_bytes
  std::size_t max_messages = 1000;   // read in one poll
};

// What a poll did, each message's line in `lines` ("message 12: handled: ...").
struct PollReport {
  std::size_t listed = 0, processed = 0, too_large = 0, kept = 0, deleted = 0;
  std::vector<std::string> lines;
  // Empty when the poll went through; else why it ended early (a client's error, the
  // store refusing): the operator's line.
  std::string failure;
  bool stopped = false;  // ended by the stop flag
  // "3 messages: 2 processed, 1 too large, 0 kept for the next poll, 3 deleted".
  std::string summary() const;
};

// The processor as the poller calls it: bounce::process at the clock's now.
using ProcessMessage = std::function<Result<bounce::Outcome>(std::string_view raw)>;

PollReport poll_once(MailboxClient& client, const ProcessMessage& process, const PollLimits& limits,
                     const std::atomic<bool>& stop);

// Serve's poller. `connect` opens a client for one poll (watching `stop`); `log` gets
// each report (serve logs it).
class Poller {
 public:
  using Connect =
      std::function<Result<std::unique_ptr<MailboxClient>>(const std::atomic<bool>& stop)>;
  Poller(Connect connect, ProcessMessage process, PollLimits limits,
         std::chrono::milliseconds interval, std::function<void(const PollReport&)> log);
  ~Poller();  // stop()
  void start();
  // Ends the poll under way (within about a second) and starts no other; returns at once.
  void request_stop();
  // request_stop(), then waits for the thread to end.
  void stop();

 private:
  void loop();
  Connect connect_;
  ProcessMessage process_;
  const PollLimits limits_;
  const std::chrono::milliseconds interval_;
  std::function<void(const PollReport&)> log_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace broadsheet::inbound
