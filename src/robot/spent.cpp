#include "robot/spent.hpp"

namespace broadsheet::robot {

Result<bool> InMemorySpentChallenges::spend(const std::string& id, UnixSeconds expires_at) {
  std::lock_guard lock(mutex_);
  return expiry_by_id_.try_emplace(id, expires_at).second;
}

Status InMemorySpentChallenges::purge_expired(UnixSeconds now) {
  std::lock_guard lock(mutex_);
  std::erase_if(expiry_by_id_, [now](const auto& entry) { return entry.second < now; });
  return {};
}

std::size_t InMemorySpentChallenges::size() const {
  std::lock_guard lock(mutex_);
  return expiry_by_id_.size();
}

}  // namespace broadsheet::robot
