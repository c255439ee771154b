// The outbox: a Transport that delivers into a Maildir folder instead of the network,
// for a first run, the demo and the tests.
//
// Layout: DIR/tmp, DIR/new and DIR/cur, created with mode 0700 by open() (DIR itself
// too when missing; its parent must exist). Each message is written under a unique
// Maildir name, "<seconds>.M<microseconds>P<pid>Q<counter>.<host>", into tmp/,
// fsync'd, renamed into new/, and new/ is fsync'd: once a message is reported
// delivered, it survives a crash. A batch shares the cost: all its messages are written
// into tmp/ before any is fsync'd, and new/ is fsync'd once per group of up to 64. Like
// a local delivery agent it prepends "Return-Path: <mail_from>" and
// "Delivered-To: rcpt_to" (CRLF) to the message bytes.
//
// submit() does the work on the caller's thread and has called every completion when it
// returns.
//
// Failures: an I/O error is DeliveryResult::Kind::deferred with the errno text (the
// disk may have room again later); an envelope address with control characters,
// spaces or angle brackets is failed (it would corrupt the header). code is always 0;
// on delivery, reply is the file name.
//
// Thread-safety: submit() is safe from any thread; names stay unique across threads and
// across Outbox objects in one process (one atomic counter).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "transport/transport.hpp"

namespace broadsheet::transport {

class Outbox final : public Transport {
 public:
  // Creates the Maildir folders when missing. Errc::io when they cannot be created or
  // DIR exists but is not a directory.
  static Result<std::unique_ptr<Outbox>> open(std::string dir);

  void submit(std::vector<Mail> batch, Completion done) override;

  const std::string& dir() const { return dir_; }

 private:
  Outbox(std::string dir, std::string host);

  // At most this many files of a batch are open and waiting for one sync of new/.
  static constexpr std::size_t kSyncGroup = 64;

  std::string unique_name() const;
  void send_group(std::span<const Mail> mails, std::span<DeliveryResult> out);

  const std::string dir_;
  const std::string host_;  // the host name, '/' and ':' escaped as Maildir requires
};

}  // namespace broadsheet::transport
