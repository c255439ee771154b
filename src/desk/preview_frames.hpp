// The rendered HTML of the desk's previews, kept briefly so a sandboxed <iframe> can load
// it by URL (/admin/previews/{key}): the desk's own Content-Security-Policy forbids the
// inline styles every email has, and an iframe's srcdoc would inherit that policy, so
// the email is served as a document of its own with a policy of its own (styles inline,
// no script, sandboxed, framed by the desk only).
//
// Holds at most kMaxFrames previews (the oldest dropped first), each for kFrameLifetime
// and only for the user who asked for it: a key is 128 random bits, and another user's
// key finds nothing. Memory is bounded by kMaxFrames times an issue's rendered size.
// Thread-safe.
#pragma once

#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"

namespace broadsheet::desk {

inline constexpr std::size_t kMaxFrames = 32;
inline constexpr std::int64_t kFrameLifetime = 15 * 60;  // seconds

class PreviewFrames {
 public:
  explicit PreviewFrames(const Clock& clock) : clock_(clock) {}

  // Keeps `html` for `username`; returns its key (32 hex digits).
  std::string put(const std::string& username, std::string html);
  // The HTML under `key` for `username`, while it is kept.
  std::optional<std::string> get(const std::string& username, const std::string& key) const;

 private:
  struct Frame {
    std::string key, username, html;
    UnixSeconds at = 0;
  };
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::deque<Frame> frames_;  // oldest first
};

}  // namespace broadsheet::desk
