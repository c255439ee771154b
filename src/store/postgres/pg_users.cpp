// PostgreSQL backend of the Store: users of the admin side, their API tokens and desk
// sessions (store/users.hpp, api_tokens.hpp, sessions.hpp), as sqlite_users.cpp has
// them; the SQL in queries/users.sql. The last-admin rule is one statement that locks
// the admin rows (delete_user, set_user_role), so it holds across nodes.
#include <fmt/format.h>

#include <optional>

#include "store/row_readers.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"

namespace broadsheet::store::postgres {
Result<User> PgStore::add_user(const User& u) {
  auto c = lease();
  if (!c) return c.error();
  User out = u;
  out.created_at = clock_.now();
  Query q(**c, "insert_user");
  q.bind_text(1, u.username)
      .bind_text(2, u.password_hash)
      .bind_text(3, to_string(u.role))
      .bind_int(4, out.created_at);
  Status s = q.returning_row("insert_user returned no id", [&] { out.id = q.int_at(0); });
  if (!s) {
    return failed_to("add user", s.error(),
                     fmt::format("a user named '{}' already exists", u.username));
  }
  return out;
}

Result<User> PgStore::user_by_name(const std::string& username) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "user_by_name");
  q.columns(kUserColumns);
  q.bind_text(1, username);
  if (auto s = q.expect_row(fmt::format("no user named '{}'", username)); !s) {
    return failed_to("read user", s.error());
  }
  User out = read_user(q);
  return out;
}

Result<User> PgStore::set_user_role(const std::string& username, UserRole role) {
  auto c = lease();
  if (!c) return c.error();
  std::optional<User> changed;
  {
    Query q(**c, "set_user_role");
    const std::string_view role_text = to_string(role);
    q.columns(kUserColumns).bind_text(1, username).bind_text(2, role_text);
    if (auto s = q.each_row([&] { changed = read_user(q); }); !s) {
      return failed_to("change a user's role", s.error());
    }
  }
  if (changed) return std::move(*changed);
  Query q(**c, "user_by_name");
  q.bind_text(1, username);
  bool exists = false;
  if (auto s = q.each_row([&] { exists = true; }); !s) {
    return failed_to("change a user's role", s.error());
  }
  if (!exists) return make_error(Errc::not_found, fmt::format("no user named '{}'", username));
  return make_error(
      Errc::conflict,
      fmt::format("{} is the last admin; give another user the admin role first", username));
}

Result<std::vector<User>> PgStore::list_users() {
  auto c = lease();
  if (!c) return c.error();
  std::vector<User> out;
  Query q(**c, "list_users");
  q.columns(kUserColumns);
  if (auto s = q.each_row([&] { out.push_back(read_user(q)); }); !s) {
    return failed_to("list users", s.error());
  }
  return out;
}

Result<ApiToken> PgStore::add_api_token(Id user_id, const std::string& name,
                                            const std::string& token_hash) {
  auto c = lease();
  if (!c) return c.error();
  ApiToken out;
  out.user_id = user_id;
  out.name = name;
  out.token_hash = token_hash;
  out.created_at = clock_.now();
  Query q(**c, "insert_api_token");
  q.bind_int(1, user_id).bind_text(2, name).bind_text(3, token_hash).bind_int(4, out.created_at);
  Status s = q.returning_row("insert_api_token returned no id", [&] { out.id = q.int_at(0); });
  if (!s) {
    if (q.sqlstate() == kForeignKeyViolation) {
      return make_error(Errc::not_found, fmt::format("no user with id {}", user_id));
    }
    return failed_to("add API token", s.error(), "a token with this secret already exists");
  }
  return out;
}

Result<ApiToken> PgStore::api_token_by_hash(const std::string& token_hash) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "api_token_by_hash");
  q.columns(kTokenColumns);
  q.bind_text(1, token_hash);
  if (auto s = q.expect_row("no such API token"); !s) return failed_to("read API token", s.error());
  ApiToken out = read_token(q);
  return out;
}

Result<std::vector<ApiToken>> PgStore::list_api_tokens() {
  auto c = lease();
  if (!c) return c.error();
  std::vector<ApiToken> out;
  Query q(**c, "list_api_tokens");
  q.columns(kTokenColumns);
  if (auto s = q.each_row([&] { out.push_back(read_token(q)); }); !s) {
    return failed_to("list API tokens", s.error());
  }
  return out;
}

Status PgStore::revoke_api_token(Id token_id) {
  auto c = lease();
  if (!c) return c.error();
  {
    Query q(**c, "revoke_api_token");
    q.bind_int(1, token_id).bind_int(2, clock_.now());
    Status s = q.returning_row("", [] {});
    if (s) return {};
    if (s.error().code != Errc::not_found) return failed_to("revoke API token", s.error());
  }
  Query exists(**c, "api_token_exists");
  exists.bind_int(1, token_id);
  auto row = exists.step();
  if (!row) return failed_to("revoke API token", row.error());
  if (!*row) return make_error(Errc::not_found, fmt::format("no API token with id {}", token_id));
  return make_error(Errc::conflict, fmt::format("API token {} is already revoked", token_id));
}

Status PgStore::touch_api_token(Id token_id, UnixSeconds used_at) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "touch_api_token");
  q.bind_int(1, token_id).bind_int(2, used_at);
  if (auto s = q.run(); !s) return failed_to("record the use of an API token", s.error());
  return {};
}


Status PgStore::remove_user(const std::string& username) {
  auto c = lease();
  if (!c) return c.error();
  bool removed = false;
  {
    Query q(**c, "delete_user");
    q.bind_text(1, username);
    if (auto s = q.each_row([&] { removed = true; }); !s)
      return failed_to("remove user", s.error());
  }
  if (removed) return {};
  Query q(**c, "user_by_name");
  q.bind_text(1, username);
  bool exists = false;
  if (auto s = q.each_row([&] { exists = true; }); !s) return failed_to("remove user", s.error());
  if (!exists) return make_error(Errc::not_found, fmt::format("no user named '{}'", username));
  return make_error(
      Errc::conflict,
      fmt::format("{} is the last admin; give another user the admin role first", username));
}

Status PgStore::set_password_hash(const std::string& username,
                                      const std::string& password_hash) {
  auto c = lease();
  if (!c) return c.error();
  Transaction tx(**c);
  if (auto s = tx.begin(); !s) return failed_to("change password", s.error());
  Id user_id = 0;
  {
    Query q(**c, "set_password_hash");
    q.bind_text(1, username).bind_text(2, password_hash);
    Status s = q.returning_row(fmt::format("no user named '{}'", username),
                               [&] { user_id = q.int_at(0); });
    if (!s) return failed_to("change password", s.error());
  }
  Query end(**c, "delete_user_sessions");
  end.bind_int(1, user_id);
  if (auto s = end.run(); !s) return failed_to("change password", s.error());
  if (auto s = tx.commit(); !s) return failed_to("change password", s.error());
  return {};
}


Status PgStore::add_session(const DeskSession& session) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "insert_session");
  q.bind_text(1, session.id_hash)
      .bind_int(2, session.user_id)
      .bind_text(3, session.csrf_token)
      .bind_int(4, session.created_at)
      .bind_int(5, session.last_seen_at)
      .bind_text(6, session.client_address);
  if (auto s = q.run(); !s) {
    if (q.sqlstate() == kForeignKeyViolation) {
      return make_error(Errc::not_found, fmt::format("no user with id {}", session.user_id));
    }
    return failed_to("add session", s.error());
  }
  return {};
}

Result<SessionUser> PgStore::session_by_hash(const std::string& id_hash) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "session_by_hash");
  q.columns(kSessionColumns);
  q.bind_text(1, id_hash);
  if (auto s = q.expect_row("no such session"); !s) return failed_to("read session", s.error());
  SessionUser out = read_session_user(q);
  return out;
}

Status PgStore::touch_session(const std::string& id_hash, UnixSeconds seen_at) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "touch_session");
  q.bind_text(1, id_hash).bind_int(2, seen_at);
  if (auto s = q.run(); !s) return failed_to("record the use of a session", s.error());
  return {};
}

Status PgStore::remove_session(const std::string& id_hash) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "delete_session");
  q.bind_text(1, id_hash);
  if (auto s = q.run(); !s) return failed_to("remove session", s.error());
  return {};
}

Status PgStore::purge_sessions(UnixSeconds idle_before, UnixSeconds created_before,
                                   UnixSeconds failures_before) {
  auto c = lease();
  if (!c) return c.error();
  Transaction tx(**c);
  if (auto s = tx.begin(); !s) return failed_to("purge sessions", s.error());
  {
    Query q(**c, "purge_sessions");
    q.bind_int(1, idle_before).bind_int(2, created_before);
    if (auto s = q.run(); !s) return failed_to("purge sessions", s.error());
  }
  Query f(**c, "purge_sign_in_failures");
  f.bind_int(1, failures_before);
  if (auto s = f.run(); !s) return failed_to("purge sign-in failures", s.error());
  if (auto s = tx.commit(); !s) return failed_to("purge sessions", s.error());
  return {};
}

Status PgStore::add_sign_in_failure(const std::string& key, UnixSeconds at) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "insert_sign_in_failure");
  q.bind_text(1, key).bind_int(2, at);
  if (auto s = q.run(); !s) return failed_to("record a failed sign-in", s.error());
  return {};
}

Result<SignInFailures> PgStore::sign_in_failures(const std::string& key, UnixSeconds since) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "sign_in_failures");
  q.bind_text(1, key).bind_int(2, since);
  SignInFailures out;
  if (auto s = q.expect_row("no count"); !s) return failed_to("count failed sign-ins", s.error());
  out.count = static_cast<int>(q.int_at(0));
  out.oldest = q.int_at(1);
  return out;
}

Status PgStore::clear_sign_in_failures(const std::string& key) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "clear_sign_in_failures");
  q.bind_text(1, key);
  if (auto s = q.run(); !s) return failed_to("clear failed sign-ins", s.error());
  return {};
}

}  // namespace broadsheet::store::postgres
