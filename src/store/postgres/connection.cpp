#include "store/postgres/connection.hpp"

#include <fmt/format.h>

#include "store/postgres/query.hpp"

namespace broadsheet::store::postgres {
Result<std::unique_ptr<Connection>> Connection::open(const std::string& conninfo,
                                                     const std::string& password) {
  // The conninfo as libpq's `dbname` with expansion: a URL or key=value pairs, to which
  // a password read from a file is added without writing it into the URL.
  const char* keys[] = {"dbname", password.empty() ? nullptr : "password", nullptr};
  const char* values[] = {conninfo.c_str(), password.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return make_error(Errc::database, "cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    Error e = pg_error(conn, nullptr, "cannot connect to PostgreSQL");
    PQfinish(conn);
    return e;
  }
  std::unique_ptr<Connection> c(new Connection(conn));
  if (auto s = c->execute(
          "SET TIME ZONE 'UTC'; SET application_name = 'broadsheet'; "
          "SET statement_timeout = '120s'; SET lock_timeout = '30s'; "
          "SET client_min_messages = 'warning'",
          "set up the connection");
      !s) {
    return s.error();
  }
  return c;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

void Connection::note_failure(std::string_view sqlstate) {
  if (retryable(std::string(sqlstate))) retryable_failure_ = true;
}

Status Connection::execute(std::string_view sql, std::string_view what) {
  std::string text(sql);
  PGresult* res = PQexec(conn_, text.c_str());
  ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
    PQclear(res);
    return {};
  }
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  note_failure(state ? state : "");
  Error e = pg_error(conn_, res, what);
  PQclear(res);
  return e;
}

Status Connection::prepare_all(const NamedQueries& queries) {
  for (const auto& q : queries.all()) {
    if (q.name.starts_with(kStagedPrefix)) continue;
    if (auto s = prepare(q); !s) return s;
  }
  return {};
}

Status Connection::prepare(const NamedQuery& q) {
  if (prepared_.contains(q.name)) return {};
  PGresult* res = PQprepare(conn_, q.name.c_str(), q.sql.c_str(), 0, nullptr);
  ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK) {
    Error e = pg_error(conn_, res, fmt::format("prepare query '{}' ({}:{})", q.name, q.origin, q.line));
    PQclear(res);
    return e;
  }
  PQclear(res);
  prepared_.insert(q.name);
  return {};
}

}  // namespace broadsheet::store::postgres
