// Store role: the health of the database itself, for `broadsheet init` and /healthz.
// Thread-safe; see store/store.hpp for the rules every role shares.
#pragma once

#include "core/result.hpp"

namespace broadsheet::store {

class Health {
 public:
  virtual ~Health() = default;

  // Schema version after migrations, for `broadsheet init` and /healthz.
  virtual Result<int> schema_version() = 0;
  // Cheap liveness probe (a trivial query).
  virtual Status ping() = 0;
};

}  // namespace broadsheet::store
