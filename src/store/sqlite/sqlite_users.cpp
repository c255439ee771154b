// SQLite backend of the Store: users of the admin side and their API tokens.
// See sqlite_store.cpp for what the backend trusts and how it fails.
#include <fmt/format.h>

#include <optional>

#include "store/row_readers.hpp"
#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {

Result<User> SqliteStore::add_user(const User& u) {
  auto h = hold();
  if (!h) return h.error();
  User out = u;
  out.created_at = clock_.now();
  Query q(db(), sql().insert_user);
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

Result<User> SqliteStore::user_by_name(const std::string& username) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().user_by_name);
  q.columns(kUserColumns);
  q.bind_text(1, username);
  if (auto s = q.expect_row(fmt::format("no user named '{}'", username)); !s) {
    return failed_to("read user", s.error());
  }
  User out = read_user(q);
  if (auto s = q.run(); !s) return failed_to("read user", s.error());
  return out;
}

Result<User> SqliteStore::set_user_role(const std::string& username, UserRole role) {
  auto h = hold();
  if (!h) return h.error();
  std::optional<User> changed;
  {
    Query q(db(), sql().set_user_role);
    const std::string_view role_text = to_string(role);
    q.columns(kUserColumns).bind_text(1, username).bind_text(2, role_text);
    if (auto s = q.each_row([&] { changed = read_user(q); }); !s) {
      return failed_to("change a user's role", s.error());
    }
  }
  if (changed) return std::move(*changed);
  Query q(db(), sql().user_by_name);
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

Result<std::vector<User>> SqliteStore::list_users() {
  auto h = hold();
  if (!h) return h.error();
  std::vector<User> out;
  Query q(db(), sql().list_users);
  q.columns(kUserColumns);
  if (auto s = q.each_row([&] { out.push_back(read_user(q)); }); !s) {
    return failed_to("list users", s.error());
  }
  return out;
}

Result<ApiToken> SqliteStore::add_api_token(Id user_id, const std::string& name,
                                            const std::string& token_hash) {
  auto h = hold();
  if (!h) return h.error();
  ApiToken out;
  out.user_id = user_id;
  out.name = name;
  out.token_hash = token_hash;
  out.created_at = clock_.now();
  Query q(db(), sql().insert_api_token);
  q.bind_int(1, user_id).bind_text(2, name).bind_text(3, token_hash).bind_int(4, out.created_at);
  Status s = q.returning_row("insert_api_token returned no id", [&] { out.id = q.int_at(0); });
  if (!s) {
    if (q.last_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return make_error(Errc::not_found, fmt::format("no user with id {}", user_id));
    }
    return failed_to("add API token", s.error(), "a token with this secret already exists");
  }
  return out;
}

Result<ApiToken> SqliteStore::api_token_by_hash(const std::string& token_hash) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().api_token_by_hash);
  q.columns(kTokenColumns);
  q.bind_text(1, token_hash);
  if (auto s = q.expect_row("no such API token"); !s) return failed_to("read API token", s.error());
  ApiToken out = read_token(q);
  if (auto s = q.run(); !s) return failed_to("read API token", s.error());
  return out;
}

Result<std::vector<ApiToken>> SqliteStore::list_api_tokens() {
  auto h = hold();
  if (!h) return h.error();
  std::vector<ApiToken> out;
  Query q(db(), sql().list_api_tokens);
  q.columns(kTokenColumns);
  if (auto s = q.each_row([&] { out.push_back(read_token(q)); }); !s) {
    return failed_to("list API tokens", s.error());
  }
  return out;
}

Status SqliteStore::revoke_api_token(Id token_id) {
  auto h = hold();
  if (!h) return h.error();
  {
    Query q(db(), sql().revoke_api_token);
    q.bind_int(1, token_id).bind_int(2, clock_.now());
    Status s = q.returning_row("", [] {});
    if (s) return {};
    if (s.error().code != Errc::not_found) return failed_to("revoke API token", s.error());
  }
  Query exists(db(), sql().api_token_exists);
  exists.bind_int(1, token_id);
  auto row = exists.step();
  if (!row) return failed_to("revoke API token", row.error());
  if (!*row) return make_error(Errc::not_found, fmt::format("no API token with id {}", token_id));
  return make_error(Errc::conflict, fmt::format("API token {} is already revoked", token_id));
}

Status SqliteStore::touch_api_token(Id token_id, UnixSeconds used_at) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().touch_api_token);
  q.bind_int(1, token_id).bind_int(2, used_at);
  if (auto s = q.run(); !s) return failed_to("record the use of an API token", s.error());
  return {};
}

}  // namespace broadsheet::store::sqlite

namespace broadsheet::store::sqlite {

Status SqliteStore::remove_user(const std::string& username) {
  auto h = hold();
  if (!h) return h.error();
  bool removed = false;
  {
    Query q(db(), sql().delete_user);
    q.bind_text(1, username);
    if (auto s = q.each_row([&] { removed = true; }); !s)
      return failed_to("remove user", s.error());
  }
  if (removed) return {};
  Query q(db(), sql().user_by_name);
  q.bind_text(1, username);
  bool exists = false;
  if (auto s = q.each_row([&] { exists = true; }); !s) return failed_to("remove user", s.error());
  if (!exists) return make_error(Errc::not_found, fmt::format("no user named '{}'", username));
  return make_error(
      Errc::conflict,
      fmt::format("{} is the last admin; give another user the admin role first", username));
}

Status SqliteStore::set_password_hash(const std::string& username,
                                      const std::string& password_hash) {
  auto h = hold();
  if (!h) return h.error();
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s) return failed_to("change password", s.error());
  Id user_id = 0;
  {
    Query q(db(), sql().set_password_hash);
    q.bind_text(1, username).bind_text(2, password_hash);
    Status s = q.returning_row(fmt::format("no user named '{}'", username),
                               [&] { user_id = q.int_at(0); });
    if (!s) return failed_to("change password", s.error());
  }
  Query end(db(), sql().delete_user_sessions);
  end.bind_int(1, user_id);
  if (auto s = end.run(); !s) return failed_to("change password", s.error());
  if (auto s = tx.commit(); !s) return failed_to("change password", s.error());
  return {};
}


Status SqliteStore::add_session(const DeskSession& session) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().insert_session);
  q.bind_text(1, session.id_hash)
      .bind_int(2, session.user_id)
      .bind_text(3, session.csrf_token)
      .bind_int(4, session.created_at)
      .bind_int(5, session.last_seen_at)
      .bind_text(6, session.client_address);
  if (auto s = q.run(); !s) {
    if (q.last_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return make_error(Errc::not_found, fmt::format("no user with id {}", session.user_id));
    }
    return failed_to("add session", s.error());
  }
  return {};
}

Result<SessionUser> SqliteStore::session_by_hash(const std::string& id_hash) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().session_by_hash);
  q.columns(kSessionColumns);
  q.bind_text(1, id_hash);
  if (auto s = q.expect_row("no such session"); !s) return failed_to("read session", s.error());
  SessionUser out = read_session_user(q);
  if (auto s = q.run(); !s) return failed_to("read session", s.error());
  return out;
}

Status SqliteStore::touch_session(const std::string& id_hash, UnixSeconds seen_at) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().touch_session);
  q.bind_text(1, id_hash).bind_int(2, seen_at);
  if (auto s = q.run(); !s) return failed_to("record the use of a session", s.error());
  return {};
}

Status SqliteStore::remove_session(const std::string& id_hash) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().delete_session);
  q.bind_text(1, id_hash);
  if (auto s = q.run(); !s) return failed_to("remove session", s.error());
  return {};
}

Status SqliteStore::purge_sessions(UnixSeconds idle_before, UnixSeconds created_before,
                                   UnixSeconds failures_before) {
  auto h = hold();
  if (!h) return h.error();
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s) return failed_to("purge sessions", s.error());
  {
    Query q(db(), sql().purge_sessions);
    q.bind_int(1, idle_before).bind_int(2, created_before);
    if (auto s = q.run(); !s) return failed_to("purge sessions", s.error());
  }
  Query f(db(), sql().purge_sign_in_failures);
  f.bind_int(1, failures_before);
  if (auto s = f.run(); !s) return failed_to("purge sign-in failures", s.error());
  if (auto s = tx.commit(); !s) return failed_to("purge sessions", s.error());
  return {};
}

Status SqliteStore::add_sign_in_failure(const std::string& key, UnixSeconds at) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().insert_sign_in_failure);
  q.bind_text(1, key).bind_int(2, at);
  if (auto s = q.run(); !s) return failed_to("record a failed sign-in", s.error());
  return {};
}

Result<SignInFailures> SqliteStore::sign_in_failures(const std::string& key, UnixSeconds since) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().sign_in_failures);
  q.bind_text(1, key).bind_int(2, since);
  SignInFailures out;
  if (auto s = q.expect_row("no count"); !s) return failed_to("count failed sign-ins", s.error());
  out.count = static_cast<int>(q.int_at(0));
  out.oldest = q.int_at(1);
  if (auto s = q.run(); !s) return failed_to("count failed sign-ins", s.error());
  return out;
}

Status SqliteStore::clear_sign_in_failures(const std::string& key) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().clear_sign_in_failures);
  q.bind_text(1, key);
  if (auto s = q.run(); !s) return failed_to("clear failed sign-ins", s.error());
  return {};
}

}  // namespace broadsheet::store::sqlite
