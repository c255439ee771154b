// The replay barrier: a solved challenge is accepted once. Each accepted challenge's id is
// kept until the challenge expires (after that verify_solution refuses it anyway), so
// the set stays as small as the number of challenges solved in one expiry window.
//
// The durable implementation lives in the store (table robot_spent: challenge_hash
// PRIMARY KEY, expires_at), where spend() is one INSERT ... ON CONFLICT DO NOTHING and
// its change count says whether the row is new. The one here is for tests and tools.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace broadsheet::robot {

class SpentChallenges {
 public:
  virtual ~SpentChallenges() = default;

  // Records `id` as spent until `expires_at`. True if it was not spent before, false if
  // it was (a replay). Atomic: of two concurrent calls with one id, exactly one gets true.
  virtual Result<bool> spend(const std::string& id, UnixSeconds expires_at) = 0;

  // Forgets every id whose challenge expired before `now`.
  virtual Status purge_expired(UnixSeconds now) = 0;
};

// Thread-safe; forgets everything when the process ends, so not for production.
class InMemorySpentChallenges final : public SpentChallenges {
 public:
  Result<bool> spend(const std::string& id, UnixSeconds expires_at) override;
  Status purge_expired(UnixSeconds now) override;
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, UnixSeconds> expiry_by_id_;
};

}  // namespace broadsheet::robot
