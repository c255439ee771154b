// The Store: every durable fact of Broadsheet goes through it, in roles.
//
// Each role is a small interface of its own header, stating its contract; a part of
// the program takes only the roles it uses, so its tests can hand it a small fake:
//
//   health.hpp       Health           schema version, liveness
//   newsletters.hpp  Newsletters      the newsletters
//   readers.hpp      Readers          subscribers and their subscriptions, one by one
//   signups.hpp      Signups          sign-up, confirmation, leaving (queue mail in-transaction)
//   queued_mail.hpp  QueuedMailStore  the reader side's outgoing mail queue
//   imports.hpp      Imports          bulk import sessions
//   articles.hpp     Articles         articles: the publication's own and its feeds'
//   feeds.hpp        Feeds            feeds of other sites that newsletters follow
//   issues.hpp       Issues           issues and their status
//   archive.hpp      Archive          the public archive of issues
//   delivery_log.hpp DeliveryLog      an issue's deliveries, for the send engine
//   delivery_reports.hpp DeliveryReports  an issue's delivery report: over time, failures
//   send_leases.hpp  SendLeases       which node sends which issue
//   node_locks.hpp   NodeLocks        locks with a lease (the scheduler's), nodes alive
//   releases.hpp     Releases         the scheduler's cohort releases into the log
//   editions.hpp     Editions         editions skipped (drafts from feeds), with why
//   users.hpp        Users            users of the admin side
//   api_tokens.hpp   ApiTokens        API tokens
//   sessions.hpp     Sessions         the desk's sign-in sessions and sign-in throttle
//   dashboard.hpp    Dashboard        the figures of the desk's dashboard
//   audit_log.hpp    AuditLog         who did what
//   bounces.hpp      Bounces          bounces, complaints, unsubscribe mail, and the policy
//   bounces.hpp      Suppressions     the suppression list
//   reader_directory.hpp ReaderDirectory the desk's readers: search, record, erasure
//   segments.hpp     Segments         saved filters of readers an issue can go to
//
// One backend object implements every role: sqlite/ (embedded, the default) and,
// later, postgres/. A backend runs its versioned migrations and prepares every named
// query when it opens, so a broken query fails the start rather than a request. SQL
// never appears outside the backend's .sql files.
//
// Rules every role shares. Thread safety: every method may be called from any thread;
// a backend serialises what its engine cannot run concurrently. Each method is one
// transaction unless its comment says otherwise: it either happens whole or not at all.
#pragma once

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/api_tokens.hpp"
#include "store/archive.hpp"
#include "store/articles.hpp"
#include "store/audit_log.hpp"
#include "store/bounces.hpp"
#include "store/dashboard.hpp"
#include "store/delivery_log.hpp"
#include "store/delivery_reports.hpp"
#include "store/editions.hpp"
#include "store/feeds.hpp"
#include "store/health.hpp"
#include "store/imports.hpp"
#include "store/issues.hpp"
#include "store/newsletters.hpp"
#include "store/node_locks.hpp"
#include "store/queued_mail.hpp"
#include "store/reader_directory.hpp"
#include "store/readers.hpp"
#include "store/releases.hpp"
#include "store/segments.hpp"
#include "store/send_leases.hpp"
#include "store/sessions.hpp"
#include "store/signups.hpp"
#include "store/users.hpp"

namespace broadsheet::store {

// Every role at once: for the few places that wire the others (the CLI's context,
// `serve`), not for an engine, which takes the roles it uses.
class Store : public Health,
              public Newsletters,
              public Readers,
              public Signups,
              public QueuedMailStore,
              public Imports,
              public Articles,
              public Feeds,
              public Issues,
              public Archive,
              public DeliveryLog,
              public DeliveryReports,
              public SendLeases,
              public NodeLocks,
              public Releases,
              public Editions,
              public Users,
              public ApiTokens,
              public Sessions,
              public Dashboard,
              public AuditLog,
              public Bounces,
              public Suppressions,
              public ReaderDirectory,
              public Segments {
 public:
  ~Store() override = default;
};

// The file of a "sqlite:PATH" URL (relative to `base_dir`), which holds every reader's
// address; "" for any other URL and for sqlite::memory:. Its -wal, -shm and -journal
// files lie beside it.
std::string database_file(const std::string& url, const std::string& base_dir);

// Opens the store named by a database URL: "sqlite:PATH" (relative paths are taken
// from `base_dir`) or "postgresql://user@host/db" (libpq's URL, sslmode and all; an
// empty database gets the schema). Runs migrations and prepares queries. Errc::config
// for an unknown scheme, Errc::database when the database cannot be opened or migrated.
// `keys`: which addresses are one reader (store/mailbox_keys.hpp). `password`: for
// PostgreSQL, "" to leave it to libpq (PGPASSWORD, ~/.pgpass).
Result<std::unique_ptr<Store>> open_store(const std::string& url, const std::string& base_dir,
                                          const Clock& clock, MailboxKeys keys = {},
                                          const std::string& password = "");

}  // namespace broadsheet::store
