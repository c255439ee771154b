// Reading the outbox back (transport = "outbox"): the messages in DIR/new and DIR/cur,
// newest first, for the desk's outbox viewer (GET /api/v1/settings/outbox) and the
// tests. A name given from outside is checked before any file is opened (not empty,
// no leading '.', no '/', no "..", no control character, at most 255 bytes), and the
// file is opened without following a symbolic link, so nothing but a message of the
// outbox can be read.
//
// Errors: Errc::invalid_argument for a bad name or a message too large, Errc::not_found
// for a message (or DIR/new) that is not there, Errc::io for a folder or file that
// cannot be read. Safe from any thread (it only reads; a message written meanwhile may
// or may not be listed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace broadsheet::transport {

inline constexpr std::size_t kMaxOutboxMessage = 64u << 20;

struct OutboxEntry {
  std::string name;  // file name inside new/ or cur/
  std::uint64_t size = 0;
  UnixSeconds mtime = 0;
};

// The newest `limit` messages of DIR/new and DIR/cur, newest first (by mtime, then
// name). Errc::not_found when DIR/new does not exist.
Result<std::vector<OutboxEntry>> list_outbox(const std::string& dir, std::size_t limit);

// The bytes of the message called `name` in DIR/new or else DIR/cur; at most
// kMaxOutboxMessage (larger: Errc::invalid_argument). With `head` > 0, only its first
// `head` bytes (enough for its header), whatever its size.
Result<std::string> read_outbox_message(const std::string& dir, std::string_view name,
                                        std::size_t head = 0);

// The first value of header `field` ("Subject") in `message`'s header, unfolded, at
// most 998 bytes; "" when absent.
std::string outbox_header(std::string_view message, std::string_view field);

}  // namespace broadsheet::transport
