// Reading whole files that must be small: layouts, zone files, certificates, and files
// named on the command line. The one bounded reader, so every caller refuses the same
// things the same way, and a FIFO or a device named by mistake never blocks or floods.
//
// A regular file is opened without blocking (a FIFO with no writer does not hang the
// open), checked with fstat on the open descriptor, and read from that descriptor, so the path
// cannot be swapped for another file between the check and the read.
//
// Errors, each message naming the path:
//   Errc::not_found         "PATH does not exist"
//   Errc::io                "PATH is not a regular file" (or "... file or pipe");
//                           "cannot read PATH: REASON"
//   Errc::invalid_argument  "PATH is larger than N bytes"
// Safe from any thread.
#pragma once

#include <cstddef>
#include <string>

#include "core/result.hpp"

namespace broadsheet {

// What a path may name. Files the server reads (layouts, certificates, zone files) are
// regular files only. A file named on the command line may also be a pipe
// (`--body-file /dev/stdin`, `<(command)`): it is read to its end, still bounded.
enum class FileKinds { regular, regular_or_pipe };

// The whole content of the file at `path`, at most `max_bytes` long.
Result<std::string> read_small_file(const std::string& path, std::size_t max_bytes,
                                    FileKinds kinds = FileKinds::regular);

namespace detail {

// Reads `fd` to its end. Errc::invalid_argument once more than `max_bytes` came (the
// file grew after it was checked), Errc::io with the system's reason on a read error
// (the message is the reason alone; the caller names the file). Retries EINTR.
Result<std::string> read_to_end(int fd, std::size_t max_bytes);

}  // namespace detail
}  // namespace broadsheet
