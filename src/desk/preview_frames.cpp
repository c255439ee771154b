#include "desk/preview_frames.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <stdexcept>

#include "core/encoding.hpp"

namespace broadsheet::desk {

std::string PreviewFrames::put(const std::string& username, std::string html) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
  std::array<std::uint8_t, 16> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  Frame frame{to_hex(bytes), username, std::move(html), clock_.now()};
  std::string key = frame.key;
  std::lock_guard lock(mutex_);
  while (!frames_.empty() &&
         (frames_.size() >= kMaxFrames || frames_.front().at + kFrameLifetime < frame.at)) {
    frames_.pop_front();
  }
  frames_.push_back(std::move(frame));
  return key;
}

std::optional<std::string> PreviewFrames::get(const std::string& username,
                                              const std::string& key) const {
  const UnixSeconds now = clock_.now();
  std::lock_guard lock(mutex_);
  for (const auto& frame : frames_) {
    if (frame.key == key && frame.username == username && frame.at + kFrameLifetime >= now) {
      return frame.html;
    }
  }
  return std::nullopt;
}

}  // namespace broadsheet::desk
