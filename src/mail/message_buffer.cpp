#include "mail/message_buffer.hpp"

#include <cstring>

namespace broadsheet {

std::string& MessageBuffer::start() {
  storage_.clear();
  storage_.resize(headroom_);
  front_ = message_at_ = headroom_;
  return storage_;
}

void MessageBuffer::prepend(std::string_view fields) {
  if (fields.size() <= front_) {
    front_ -= fields.size();
    std::memcpy(storage_.data() + front_, fields.data(), fields.size());
    return;
  }
  storage_.insert(front_, fields);
  message_at_ += fields.size();
}

}  // namespace broadsheet
