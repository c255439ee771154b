// Store role: bulk import of readers into one newsletter (`broadsheet import`).
// Thread-safe to begin; a session itself is driven by one thread (below).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

// One row of an import, already validated and normalised by the caller. Rows are
// matched to readers by mailbox (store/mailbox_keys.hpp): a case variant of a known
// address, or of an earlier row, is a duplicate.
struct ImportRow {
  std::string email;
  std::string email_display;
  std::string name;
  std::string timezone;
};

struct ImportCounts {
  std::size_t subscribers_created = 0;  // addresses new to the store
  std::size_t subscriptions_added = 0;  // new (subscriber, newsletter) pairs
  std::size_t duplicates_skipped = 0;   // already subscribed, or repeated in the file
  // Rows whose mailbox is suppressed (its reader was removed): never imported, since
  // the consent the file stands for was withdrawn after it.
  std::size_t suppressed_skipped = 0;
};

// A bulk import into one newsletter, inside one transaction. Rows become visible to
// others only at commit(); destroying the session without commit() rolls back, so
// an import that fails half-way leaves nothing behind.
// Not thread-safe: one thread drives a session. While it is open the backend's
// write lock is held, so keep it short.
class ImportSession {
 public:
  virtual ~ImportSession() = default;
  virtual Status add(const ImportRow& row) = 0;
  virtual Result<ImportCounts> commit() = 0;
};

struct ImportOptions {
  Id newsletter_id = 0;
  bool confirmed = false;  // subscriptions start confirmed instead of unconfirmed
  std::string source = "import";
};

class Imports {
 public:
  virtual ~Imports() = default;

  // Begins an import session; see ImportSession.
  virtual Result<std::unique_ptr<ImportSession>> begin_import(const ImportOptions& o) = 0;
};

}  // namespace broadsheet::store
