// Store role: bulk import of readers into one newsletter (`broadsheet import`).
// Thread-safe to begin; a session itself is driven by one thread (below).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

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
  // REQUIRES: within the bounds of core/types.hpp, keys unique. Stored with a reader the
  // import creates; a known reader keeps what they have (as their name and time zone).
  std::vector<ReaderAttribute> attributes;
};

struct ImportCounts {
  std::size_t subscribers_created = 0;  // addresses new to the store
  std::size_t subscriptions_added = 0;  // new (subscriber, newsletter) pairs
  std::size_t duplicates_skipped = 0;   // already subscribed, or repeated in the file
  // Readers of the file (new or known, each once) whose subscription to the newsletter
  // is unconfirmed after the import: they get no issue until they confirm.
  std::size_t unconfirmed = 0;
  // Confirmation emails queued for them (ImportOptions::send_confirmations).
  std::size_t confirmations_queued = 0;
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
  // At commit, queue a confirmation email (the sign-up's, store/queued_mail.hpp) for
  // each unconfirmed reader of the import, in the import's transaction: none to a
  // blocked reader, nor to one who was sent a confirmation at or after `resend_after`
  // (the sign-up's resend window). The mail queue's sender sends them at its pace.
  bool send_confirmations = false;
  UnixSeconds resend_after = 0;
};

class Imports {
 public:
  virtual ~Imports() = default;

  // Begins an import session; see ImportSession.
  virtual Result<std::unique_ptr<ImportSession>> begin_import(const ImportOptions& o) = 0;
};

}  // namespace broadsheet::store
