// SQLite backend of the Store: opening, schema and health, newsletters.
// Subscribers are in sqlite_subscribers.cpp, sign-ups (group commit) in
// sqlite_signup.cpp, articles and the audit log in sqlite_content.cpp, bulk import in
// sqlite_import.cpp; the SQL in queries/, one file per role.
//
// What it does: opens one database file, brings its schema up to date with the
// embedded migrations (migrate.hpp), prepares every named query of queries/, and
// serves the Store methods over that one connection, one at a time, each as one
// statement or one transaction; the few methods the public side reads on every request
// run on a small pool of read-only connections instead (sqlite_store.hpp, "Readers").
//
// What it trusts: its callers, to have validated and normalised what they pass (slugs,
// emails, time zones); the Store is not the place input from outside is checked. The
// schema itself enforces uniqueness, references and the allowed values of every status,
// and values are always bound as parameters, never spliced into SQL.
//
// Configuration: the `database` key ("sqlite:PATH", see store.cpp). The connection's
// settings are fixed (connection.hpp): WAL, synchronous=FULL, foreign keys on, a 5 s
// busy timeout for writers in other processes.
//
// How it fails: every failure is a value. A taken slug or email is Errc::conflict, a
// missing row Errc::not_found, anything else SQLite reports Errc::database with SQLite's
// message and what the store was doing; a call from the thread holding an import
// session is Errc::internal. open() fails with Errc::database naming the file, the
// migration or the query at fault.
#include "store/sqlite/sqlite_store.hpp"

#include <fmt/format.h>

#include "store/row_readers.hpp"
#include "store/sqlite/mailbox_keys.hpp"
#include "store/sqlite/migrate.hpp"
#include "store/sqlite/query.hpp"

namespace broadsheet::store::sqlite {
namespace {

constexpr std::string_view kQueriesPath = "src/store/sqlite/queries/";
constexpr std::string_view kMigrationsPath = "src/store/sqlite/migrations/";

std::string no_newsletter(const std::string& slug) {
  return fmt::format("no newsletter with slug '{}'", slug);
}

}  // namespace

SqliteSql SqliteSql::embedded() {
  return SqliteSql{resources_under(kQueriesPath), resources_under(kMigrationsPath)};
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, const Clock& clock,
                                                       const SqliteSql& sql, MailboxKeys keys) {
  auto queries = NamedQueries::parse_files(sql.queries, kQueriesPath);
  if (!queries) return make_error(Errc::database, queries.error().message);
  auto migrations = parse_migrations(sql.migrations);
  if (!migrations) return migrations.error();

  auto connection = Connection::open(path);
  if (!connection) return connection.error();
  auto version = migrate(**connection, *queries, *migrations, clock.now());
  if (!version) return failed_to(fmt::format("migrate database '{}'", path), version.error());
  if (auto s = (*connection)->prepare_all(*queries); !s) return s.error();
  if (auto s = apply_mailbox_keys(**connection, keys, clock.now()); !s) {
    return failed_to(fmt::format("key the readers of '{}'", path), s.error());
  }
  // Readers open once the schema is migrated: their queries name its tables.
  std::vector<std::unique_ptr<Connection>> readers;
  if (path != ":memory:") {
    for (std::size_t i = 0; i < kReaders; ++i) {
      auto reader = Connection::open_reader(path);
      if (!reader) return reader.error();
      if (auto s = (*reader)->prepare_all(*queries); !s) return s.error();
      readers.push_back(std::move(*reader));
    }
  }
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(*connection), std::move(readers), clock, std::move(keys)));
}

SqliteStore::SqliteStore(std::unique_ptr<Connection> connection,
                         std::vector<std::unique_ptr<Connection>> readers, const Clock& clock,
                         MailboxKeys keys)
    : connection_(std::move(connection)),
      clock_(clock),
      keys_(std::move(keys)),
      readers_(std::move(readers)) {
  for (const auto& r : readers_) idle_readers_.push_back(r.get());
}

Status SqliteStore::refuse_importer() const {
  if (importer_.load() == std::this_thread::get_id()) {
    return make_error(Errc::internal,
                      "the store was called by the thread holding an import session; "
                      "commit or drop the session first");
  }
  return {};
}

Result<SqliteStore::Hold> SqliteStore::hold() {
  if (auto s = refuse_importer(); !s) return s.error();
  return Hold(gate_);
}

Result<SqliteStore::Read> SqliteStore::read() {
  if (readers_.empty()) {
    auto h = hold();
    if (!h) return h.error();
    return Read(std::move(*h), *connection_);
  }
  // Kept for the same contract as the writer's: the importing thread calls nothing.
  if (auto s = refuse_importer(); !s) return s.error();
  std::unique_lock lock(readers_mutex_);
  reader_returned_.wait(lock, [&] { return !idle_readers_.empty(); });
  Connection* reader = idle_readers_.back();
  idle_readers_.pop_back();
  return Read(*this, *reader);
}

void SqliteStore::give_back(Connection& reader) {
  {
    std::lock_guard lock(readers_mutex_);
    idle_readers_.push_back(&reader);
  }
  reader_returned_.notify_one();
}

Result<int> SqliteStore::schema_version() {
  auto r = read();
  if (!r) return r.error();
  Query q(r->db(), r->sql().schema_version);
  if (auto s = q.expect_row("schema_migrations is empty"); !s) return s.error();
  int version = static_cast<int>(q.int_at(0));
  if (auto s = q.run(); !s) return failed_to("read the schema version", s.error());
  return version;
}

Status SqliteStore::ping() {
  auto r = read();
  if (!r) return r.error();
  if (auto s = Query(r->db(), r->sql().ping).run(); !s) {
    return failed_to("ping the database", s.error());
  }
  return {};
}

Result<Newsletter> SqliteStore::add_newsletter(const Newsletter& n) {
  auto h = hold();
  if (!h) return h.error();
  Newsletter out = n;
  out.created_at = out.updated_at = clock_.now();
  const std::string sections = join_sections(n.drafts.sections);
  const std::string on_cutoff(to_string(n.drafts.on_cutoff));
  Query q(db(), sql().insert_newsletter);
  q.bind_text(1, n.slug)
      .bind_text(2, n.name)
      .bind_text(3, n.description)
      .bind_text(4, n.schedule)
      .bind_text(5, n.from_name)
      .bind_text(6, n.from_address)
      .bind_bool(7, n.is_public)
      .bind_text(8, to_string(n.opt_in))
      .bind_int(9, out.created_at)
      .bind_text(10, n.welcome_subject)
      .bind_text(11, n.welcome_body)
      .bind_text(12, n.default_timezone)
      .bind_bool(13, n.draft_from_feeds)
      .bind_int(14, n.drafts.items)
      .bind_text(15, sections)
      .bind_int(16, n.drafts.lead)
      .bind_text(17, on_cutoff);
  Status s = q.returning_row("insert_newsletter returned no id", [&] { out.id = q.int_at(0); });
  if (!s) {
    return failed_to(fmt::format("add newsletter '{}'", n.slug), s.error(),
                     fmt::format("a newsletter with slug '{}' already exists", n.slug));
  }
  return out;
}

Result<std::vector<Newsletter>> SqliteStore::list_newsletters(bool public_only) {
  auto r = read();
  if (!r) return r.error();
  std::vector<Newsletter> out;
  Query q(r->db(), r->sql().list_newsletters);
  q.columns(kNewsletterColumns);
  q.bind_bool(1, public_only);
  if (auto s = q.each_row([&] { out.push_back(read_newsletter(q)); }); !s) {
    return failed_to("list newsletters", s.error());
  }
  return out;
}

Result<Newsletter> SqliteStore::newsletter_by_slug(const std::string& slug) {
  auto r = read();
  if (!r) return r.error();
  Query q(r->db(), r->sql().newsletter_by_slug);
  q.columns(kNewsletterColumns);
  q.bind_text(1, slug);
  if (auto s = q.expect_row(no_newsletter(slug)); !s) {
    return failed_to(fmt::format("read newsletter '{}'", slug), s.error());
  }
  return read_newsletter(q);
}

Result<Newsletter> SqliteStore::newsletter_by_id(Id id) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().newsletter_by_id);
  q.columns(kNewsletterColumns);
  q.bind_int(1, id);
  if (auto s = q.expect_row(fmt::format("no newsletter with id {}", id)); !s) {
    return failed_to(fmt::format("read newsletter {}", id), s.error());
  }
  return read_newsletter(q);
}

Result<Newsletter> SqliteStore::update_newsletter(const std::string& slug,
                                                  const NewsletterUpdate& u) {
  auto h = hold();
  if (!h) return h.error();
  std::optional<std::int64_t> is_public;
  if (u.is_public) is_public = *u.is_public ? 1 : 0;
  std::optional<std::string> opt_in;
  if (u.opt_in) opt_in = std::string(to_string(*u.opt_in));
  std::optional<std::int64_t> from_feeds, items;
  if (u.draft_from_feeds) from_feeds = *u.draft_from_feeds ? 1 : 0;
  if (u.draft_items) items = *u.draft_items;
  std::optional<std::string> sections, on_cutoff;
  if (u.draft_sections) sections = join_sections(*u.draft_sections);
  if (u.on_cutoff) on_cutoff = std::string(to_string(*u.on_cutoff));

  Query q(db(), sql().update_newsletter);
  q.columns(kNewsletterColumns);
  q.bind_text(1, slug)
      .bind_opt_text(2, u.name)
      .bind_opt_text(3, u.description)
      .bind_opt_text(4, u.schedule)
      .bind_opt_text(5, u.from_name)
      .bind_opt_text(6, u.from_address)
      .bind_opt_int(7, is_public)
      .bind_opt_text(8, opt_in)
      .bind_int(9, clock_.now())
      .bind_opt_text(10, u.welcome_subject)
      .bind_opt_text(11, u.welcome_body)
      .bind_opt_text(12, u.default_timezone)
      .bind_opt_int(13, from_feeds)
      .bind_opt_int(14, items)
      .bind_opt_text(15, sections)
      .bind_opt_int(16, u.draft_lead)
      .bind_opt_text(17, on_cutoff);
  Newsletter out;
  Status s = q.returning_row(no_newsletter(slug), [&] { out = read_newsletter(q); });
  if (!s) return failed_to(fmt::format("update newsletter '{}'", slug), s.error());
  return out;
}

Status SqliteStore::remove_newsletter(const std::string& slug) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().delete_newsletter);
  q.bind_text(1, slug);
  Status s = q.returning_row(no_newsletter(slug), [] {});
  if (!s) return failed_to(fmt::format("remove newsletter '{}'", slug), s.error());
  return {};
}

}  // namespace broadsheet::store::sqlite
