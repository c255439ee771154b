// Store role: the audit log, who did what, append-only.
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

class AuditLog {
 public:
  virtual ~AuditLog() = default;

  virtual Status audit(const std::string& actor, const std::string& action,
                       const std::string& subject, const std::string& detail) = 0;
  virtual Result<std::vector<AuditEntry>> recent_audit(std::size_t limit) = 0;
};

}  // namespace broadsheet::store
