// One PostgreSQL connection (libpq): opened from a conninfo string, holding the backend's
// prepared statements (postgres/queries/) under their query names until it closes.
//
// Settings: UTC time zone, the application name "broadsheet", a statement timeout so a
// lock held by a dead peer cannot hang a request for ever. TLS as the URL's sslmode says.
// Not thread-safe: the pool (pool.hpp) lends a connection to one caller at a time.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "store/named_queries.hpp"

namespace broadsheet::store::postgres {

class Connection {
 public:
  // Connects; `password` "" leaves it to libpq (the URL, PGPASSWORD, ~/.pgpass).
  // Errc::database with libpq's reason, never the conninfo (it may hold a password).
  static Result<std::unique_ptr<Connection>> open(const std::string& conninfo,
                                                  const std::string& password = "");
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  PGconn* raw() const { return conn_; }

  // Prepares every query of `queries` on this connection, under its name. Run after
  // migrations: a query can only be prepared against the tables it names. Errc::database
  // names the query, its file and line, and the server's complaint. Queries named
  // staged_* are left out: they name a temporary table that exists only on a connection
  // that made it (an import's), which prepares them itself after making it (prepare).
  Status prepare_all(const NamedQueries& queries);
  // Prepares one query unless it already is; errors as prepare_all.
  Status prepare(const NamedQuery& query);
  static constexpr std::string_view kStagedPrefix = "staged_";
  bool prepared(std::string_view name) const { return prepared_.contains(name); }

  // Runs SQL text with no parameters and no rows wanted (several statements allowed):
  // migrations, and the settings of the connection.
  Status execute(std::string_view sql, std::string_view what);

  // False once the server or the socket went away; the pool then opens a new one.
  bool healthy() const;

  // Whether a statement on this connection failed with a SQLSTATE its transaction may
  // be run again for (retryable(), query.hpp) since forget_retryable_failure(): what
  // retry_transaction (retry.hpp) looks at. Query and execute() note every failure.
  bool retryable_failure() const { return retryable_failure_; }
  void forget_retryable_failure() { retryable_failure_ = false; }
  void note_failure(std::string_view sqlstate);

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}

  PGconn* conn_;
  std::set<std::string, std::less<>> prepared_;
  bool retryable_failure_ = false;
};

}  // namespace broadsheet::store::postgres
