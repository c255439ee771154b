// A reusable buffer for one outgoing message at a time, with room in front for header
// fields that are known only once the message is written (the DKIM-Signature), so
// that adding them does not move the message. One per sending thread: render into
// start(), sign message(), prepend() the signature, hand wire() to the Transport.
//
// Not thread-safe; cheap to reuse (keeps its capacity).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace broadsheet {

class MessageBuffer {
 public:
  explicit MessageBuffer(std::size_t headroom = 4096) : headroom_(headroom) {}

  // Empties the buffer; append the message to the string returned (only append).
  std::string& start();
  // What was appended since start().
  std::string_view message() const { return std::string_view(storage_).substr(message_at_); }
  // Puts `fields` right before what is there. Moves the message only when the room in
  // front is used up.
  void prepend(std::string_view fields);
  // The prepended fields followed by the message.
  std::string_view wire() const { return std::string_view(storage_).substr(front_); }

 private:
  std::string storage_;
  std::size_t headroom_;
  std::size_t front_ = 0;       // where wire() starts
  std::size_t message_at_ = 0;  // where message() starts
};

}  // namespace broadsheet
