// SMTP replies as values: an incremental, bounded parser of the relay's bytes into
// replies (RFC 5321 4.2), the EHLO keywords we act on, and the classification of a
// reply into a transport::DeliveryResult. No sockets here, so all of it is tested on strings.
// Internal to src/smtp. Not thread-safe; one parser per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "transport/transport.hpp"

namespace broadsheet::smtp {

inline constexpr std::size_t kMaxReplyLine = 2048;  // RFC 5321 asks for 512; be lenient
inline constexpr std::size_t kMaxReplyLines = 200;

struct Reply {
  int code = 0;                    // 200..599
  std::vector<std::string> lines;  // the text after "250-" / "250 ", one per line

  bool positive() const { return code >= 200 && code < 300; }
  // "550 5.1.1 text, text" on one line, at most 512 bytes, control characters as '?'.
  std::string one_line() const;
};

// Feed bytes as they arrive; take replies out one at a time.
class ReplyParser {
 public:
  void feed(const char* data, std::size_t size) { pending_.append(data, size); }
  // The next complete reply, nothing when more bytes are needed, or Errc::io for a
  // malformed or oversized reply (the connection is then unusable).
  std::optional<Result<Reply>> next();
  // Forgets buffered bytes (after STARTTLS, RFC 3207 4.2: nothing read before the
  // handshake may be used).
  void clear();
  bool empty() const { return pos_ >= pending_.size(); }

 private:
  std::string pending_;
  std::size_t pos_ = 0;
  Reply partial_;
};

// What the relay said it supports in its EHLO reply.
struct Extensions {
  bool pipelining = false;
  bool starttls = false;
  bool eight_bit_mime = false;
  bool smtputf8 = false;
  bool size = false;
  std::uint64_t max_size = 0;  // SIZE's argument; 0: no limit announced
  bool auth_plain = false;
  bool auth_login = false;
};
Extensions parse_extensions(const Reply& ehlo);

// 2xx delivered, 4xx deferred, 5xx failed; anything else (a 3xx where none belongs)
// deferred. `command` ("RCPT TO") is named in the reply text.
transport::DeliveryResult classify(const Reply& reply, std::string_view command);

}  // namespace broadsheet::smtp
