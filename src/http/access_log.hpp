// What the server writes about each request: its id and its access-log line. Kept
// apart from the server so that the escaping of client-controlled text is tested
// without a socket. Thread-safe: no shared state (the id generator is per thread).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace broadsheet::http {

// 16 lowercase hex characters. Unique enough to find a request in the logs; not a
// secret and not used for anything that needs to be unguessable.
std::string new_request_id();

// Client-controlled text made safe for one log line: cut to `max` bytes ("..." marks
// the cut), then control characters, DEL, bytes outside ASCII, backslash and double
// quote written as \xHH, so a request can neither forge a line nor break a parser.
std::string loggable(std::string_view text, std::size_t max = 200);

// The method and target of a request line, as far as they can be read from raw
// bytes, for requests the parser refused (no parsed header to take them from).
struct RawRequestLine {
  std::string_view method;
  std::string_view target;
};
RawRequestLine sniff_request_line(std::string_view raw);

struct AccessRecord {
  std::string_view request_id;
  std::string_view remote;
  std::string_view method;  // as sent
  std::string_view target;  // as sent
  int status = 0;
  std::size_t bytes = 0;  // written to the socket, header included
  double milliseconds = 0;
};

// `ID REMOTE METHOD "TARGET" STATUS BYTES MSms`, with client text through loggable().
std::string format_access(const AccessRecord& r);

}  // namespace broadsheet::http
