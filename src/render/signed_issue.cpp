#include "render/signed_issue.hpp"

#include <cstring>

namespace broadsheet::render {

Result<std::string> SignedIssue::message_for(const ReaderFields& reader, UnixSeconds date,
                                             const mime::RandomSource& random) const {
  const std::size_t room = room_.load(std::memory_order_relaxed);
  std::string out;
  out.reserve(room + issue_.size_hint());
  out.resize(room);
  if (auto ok = issue_.append_message(reader, date, random, out); !ok) return ok.error();
  auto signature = signer_.sign(std::string_view(out).substr(room));
  if (!signature) return signature.error();
  if (signature->size() == room) {
    std::memcpy(out.data(), signature->data(), room);
  } else {
    out.replace(0, room, *signature);  // the one move, when the size changed
    room_.store(signature->size(), std::memory_order_relaxed);
  }
  return out;
}

}  // namespace broadsheet::render
