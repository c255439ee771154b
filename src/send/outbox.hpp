// The outbox: a Transport that delivers into a Maildir folder instead of the network,
// for a first run, the demo and the tests; the admin UI shows what landed there.
//
// Layout: DIR/tmp, DIR/new and DIR/cur, created with mode 0700 by open() (DIR itself
// too when missing; its parent must exist). Each message is written under a unique
// Maildir name, "<seconds>.M<microseconds>P<pid>Q<counter>.<host>", into tmp/,
// fsync'd, renamed into new/, and new/ is fsync'd: once send() says delivered, the
// message survives a crash. send_batch() does the same for many messages and shares
// the cost: all are written into tmp/ before any is fsync'd, and new/ is fsync'd once
// per group of up to 64. Like a local delivery agent it prepends
// "Return-Path: <mail_from>" and "Delivered-To: rcpt_to" (CRLF) to the message bytes.
//
// Failures: an I/O error is DeliveryResult::Kind::deferred with the errno text (the
// disk may have room again later); an envelope address with control characters,
// spaces or angle brackets is failed (it would corrupt the header). code is always 0;
// on delivery, reply is the file name.
//
// Thread-safety: send() and send_batch() are safe from any thread; names stay unique
// across threads and across OutboxTransport objects in one process (one atomic counter).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "send/transport.hpp"

namespace broadsheet {

class OutboxTransport final : public Transport {
 public:
  // Creates the Maildir folders when missing. Errc::io when they cannot be created or
  // DIR exists but is not a directory.
  static Result<std::unique_ptr<OutboxTransport>> open(std::string dir);

  DeliveryResult send(const Envelope& envelope, std::string_view message) override;
  std::vector<DeliveryResult> send_batch(std::span<const OutgoingMail> mails) override;

  const std::string& dir() const { return dir_; }

 private:
  OutboxTransport(std::string dir, std::string host);

  // At most this many files of a batch are open and waiting for one sync of new/.
  static constexpr std::size_t kSyncGroup = 64;

  std::string unique_name() const;
  void send_group(std::span<const OutgoingMail> mails, std::span<DeliveryResult> out);

  const std::string dir_;
  const std::string host_;  // the host name, '/' and ':' escaped as Maildir requires
};

struct OutboxEntry {
  std::string name;  // file name inside new/ or cur/
  std::uint64_t size = 0;
  UnixSeconds mtime = 0;
};

// The newest `limit` messages of DIR/new and DIR/cur, newest first (by mtime, then
// name). Memory stays bounded by `limit` however many files there are.
// Errc::not_found when DIR/new does not exist, Errc::io when it cannot be read.
// Safe from any thread.
Result<std::vector<OutboxEntry>> list_outbox(const std::string& dir, std::size_t limit);

// The bytes of the message called `name` in DIR/new or else DIR/cur.
// Errc::invalid_argument for a name that is empty, starts with '.', or contains '/',
// ".." or a control character (nothing outside the outbox can be read); for a file
// larger than 64 MiB. Errc::not_found when no such message; Errc::io otherwise.
// Safe from any thread.
Result<std::string> read_outbox_message(const std::string& dir, std::string_view name);

}  // namespace broadsheet
