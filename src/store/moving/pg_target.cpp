#include "store/moving/pg_target.hpp"

#include <fmt/format.h>

#include "core/resources.hpp"
#include "store/migrations.hpp"
#include "store/postgres/migrate.hpp"
#include "store/postgres/pg_store.hpp"

namespace broadsheet::store::moving {
namespace {

constexpr std::string_view kTargetQueries = "src/store/moving/queries/postgres.sql";
constexpr std::string_view kStoreQueries = "src/store/postgres/queries/";

// The server's words on a failed COPY, with where in the data it stopped (its
// CONTEXT: "COPY subscribers, line 5, column attributes: ...").
Error copy_error(PGconn* conn, const PGresult* res, const std::string& table) {
  Error e = postgres::pg_error(conn, res, fmt::format("cannot copy the rows of {}", table));
  const char* where = res ? PQresultErrorField(res, PG_DIAG_CONTEXT) : nullptr;
  if (where) {
    std::string context = where;
    if (auto nl = context.find('\n'); nl != std::string::npos) context.resize(nl);
    e.message += fmt::format(" ({})", context);
  }
  return e;
}

}  // namespace

Result<std::unique_ptr<PgTarget>> PgTarget::connect(const std::string& url,
                                                     const std::string& password) {
  auto store = NamedQueries::parse_files(postgres::PgSql::embedded().queries, kStoreQueries);
  if (!store) return make_error(Errc::internal, store.error().message);
  auto text = resource(kTargetQueries);
  if (!text) return make_error(Errc::internal, fmt::format("{} is not built in", kTargetQueries));
  auto move = NamedQueries::parse(*text, kTargetQueries);
  if (!move) return make_error(Errc::internal, move.error().message);
  auto connection = postgres::Connection::open(url, password);
  if (!connection) return connection.error();
  std::unique_ptr<PgTarget> target(
      new PgTarget(std::move(*connection), std::move(*store), std::move(*move)));
  const NamedQuery* no_timeout = target->move_queries_.find("move_no_timeout");
  if (!no_timeout) return make_error(Errc::internal, "move_no_timeout is missing");
  if (auto s = target->connection_->execute(no_timeout->sql, "lift the statement timeout"); !s) {
    return s.error();
  }
  return target;
}

PgTarget::~PgTarget() {
  if (!copying_.empty()) {
    PGconn* conn = connection_->raw();
    PQputCopyEnd(conn, "the move was abandoned");
    while (PGresult* res = PQgetResult(conn)) PQclear(res);
  }
  tx_.reset();  // rolls back what was not committed
}

std::string PgTarget::name() const {
  PGconn* conn = connection_->raw();
  std::string host = PQhost(conn) ? PQhost(conn) : "";
  // A unix socket's directory says little; name it as such.
  if (host.starts_with("/")) host = "the socket in " + host;
  return fmt::format("database {} on {}:{}", PQdb(conn) ? PQdb(conn) : "",
                     host, PQport(conn) ? PQport(conn) : "");
}

Result<int> PgTarget::schema_version() {
  return postgres::current_version(*connection_, store_queries_);
}

Result<int> PgTarget::latest_version() const {
  auto migrations = parse_migrations(postgres::PgSql::embedded().migrations);
  if (!migrations) return migrations.error();
  return migrations->empty() ? 0 : migrations->back().version;
}

Status PgTarget::migrate(const Clock& clock) {
  auto migrations = parse_migrations(postgres::PgSql::embedded().migrations);
  if (!migrations) return migrations.error();
  auto version = postgres::migrate(*connection_, store_queries_, *migrations, clock.now());
  if (!version) return postgres::failed_to("migrate the PostgreSQL database", version.error());
  return {};
}

Status PgTarget::prepare() {
  for (const auto& q : move_queries_.all()) {
    if (q.name == "move_no_timeout") continue;  // run once at connect, as text
    if (auto s = connection_->prepare(q); !s) return s;
  }
  return {};
}

Result<Tables> PgTarget::tables() {
  postgres::Query q(*connection_, "move_target_columns");
  Tables out;
  auto s = q.each_row([&] {
    std::string table = q.text_at(0);
    if (table == kMigrationsTable) return;
    out[table].push_back({q.text_at(1), q.text_at(2), q.bool_at(3)});
  });
  if (!s) return s.error();
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> PgTarget::references() {
  postgres::Query q(*connection_, "move_target_references");
  std::vector<std::pair<std::string, std::string>> out;
  if (auto s = q.each_row([&] { out.emplace_back(q.text_at(0), q.text_at(1)); }); !s) {
    return s.error();
  }
  return out;
}

Result<std::vector<std::string>> PgTarget::triggered_tables() {
  postgres::Query q(*connection_, "move_target_triggers");
  std::vector<std::string> out;
  if (auto s = q.each_row([&] { out.push_back(q.text_at(0)); }); !s) return s.error();
  return out;
}

Result<std::vector<std::string>> PgTarget::occupied(const Tables& tables) {
  std::vector<std::string> out;
  for (const auto& [table, columns] : tables) {
    if (table == kSettingsTable) continue;
    auto q = postgres::Query::text(
        *connection_, fmt::format("SELECT EXISTS (SELECT 1 FROM {}) AS occupied",
                                  quote_identifier(table)));
    if (auto s = q.expect_row("no row"); !s) return s.error();
    if (q.bool_at(0)) out.push_back(table);
  }
  return out;
}

Status PgTarget::run(const std::string& sql, std::string_view what) {
  return connection_->execute(sql, what);
}

Status PgTarget::begin() {
  tx_ = std::make_unique<postgres::Transaction>(*connection_);
  return tx_->begin();
}

Status PgTarget::commit() {
  if (!tx_) return make_error(Errc::internal, "no transaction to commit");
  auto s = tx_->commit();
  tx_.reset();
  return s;
}

Status PgTarget::lock(const Tables& tables) {
  std::string sql = "LOCK TABLE ";
  bool first = true;
  for (const auto& [table, columns] : tables) {
    if (!first) sql += ", ";
    first = false;
    sql += quote_identifier(table);
  }
  sql += " IN ACCESS EXCLUSIVE MODE";
  return run(sql, "cannot lock the target's tables (is a server using that database?)");
}

Status PgTarget::set_triggers(const std::string& table, bool enabled) {
  return run(fmt::format("ALTER TABLE {} {} TRIGGER USER", quote_identifier(table),
                         enabled ? "ENABLE" : "DISABLE"),
             fmt::format("cannot {} the triggers of {}", enabled ? "enable" : "disable", table));
}

Status PgTarget::clear_settings() {
  return postgres::Query(*connection_, "move_clear_settings").run();
}

Status PgTarget::copy_start(const std::string& table, const std::vector<Column>& columns) {
  std::string sql = "COPY " + quote_identifier(table) + " (";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += quote_identifier(columns[i].name);
  }
  sql += ") FROM STDIN";
  PGconn* conn = connection_->raw();
  PGresult* res = PQexec(conn, sql.c_str());
  if (PQresultStatus(res) != PGRES_COPY_IN) {
    Error e = copy_error(conn, res, table);
    PQclear(res);
    return e;
  }
  PQclear(res);
  copying_ = table;
  return {};
}

Status PgTarget::copy_send(const std::string& data) {
  PGconn* conn = connection_->raw();
  if (PQputCopyData(conn, data.data(), static_cast<int>(data.size())) != 1) {
    return copy_error(conn, nullptr, copying_);
  }
  return {};
}

Status PgTarget::copy_end() {
  PGconn* conn = connection_->raw();
  std::string table = std::move(copying_);
  copying_.clear();
  if (PQputCopyEnd(conn, nullptr) != 1) return copy_error(conn, nullptr, table);
  Status outcome;
  while (PGresult* res = PQgetResult(conn)) {
    if (PQresultStatus(res) != PGRES_COMMAND_OK && outcome) outcome = copy_error(conn, res, table);
    PQclear(res);
  }
  return outcome;
}

Result<std::int64_t> PgTarget::count(const std::string& table) {
  auto q = postgres::Query::text(
      *connection_, fmt::format("SELECT count(*) AS n FROM {}", quote_identifier(table)));
  if (auto s = q.expect_row("no row"); !s) return s.error();
  return q.int_at(0);
}

Status PgTarget::set_identity(const std::string& table, const std::string& column,
                              std::optional<std::int64_t> highest) {
  postgres::Query q(*connection_, "move_set_identity");
  q.bind_text(1, table).bind_text(2, column).bind_int(3, highest.value_or(1));
  q.bind_bool(4, highest.has_value());
  if (auto s = q.run(); !s) {
    return postgres::failed_to(fmt::format("set the id sequence of {}", table), s.error());
  }
  return {};
}

Status PgTarget::analyze() { return postgres::Query(*connection_, "move_analyze").run(); }

}  // namespace broadsheet::store::moving
