// Store role: the desk's sign-in sessions and the sign-in throttle's failures
// (admin/desk_auth.hpp decides; this keeps the facts).
//
// A session is stored under the SHA-256 of its cookie value, never the value. Removing
// a user removes their sessions (store/users.hpp: remove_user), and so does a new
// password (set_password_hash), in the same transaction.
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

struct DeskSession {
  std::string id_hash;     // hex SHA-256 of the cookie value
  Id user_id = 0;
  std::string csrf_token;  // shown in the session's forms; not a secret from its owner
  UnixSeconds created_at = 0, last_seen_at = 0;
  std::string client_address;  // at sign-in
};

// A session with its user as they are now (the role may have changed since sign-in).
struct SessionUser {
  DeskSession session;
  std::string username;
  UserRole role = UserRole::viewer;
};

// Failed sign-ins of one key within a window.
struct SignInFailures {
  int count = 0;
  UnixSeconds oldest = 0;  // of those counted; 0 when none
};

class Sessions {
 public:
  virtual ~Sessions() = default;

  // Errc::not_found when the user does not exist (any more).
  virtual Status add_session(const DeskSession& session) = 0;
  // Errc::not_found when there is no such session.
  virtual Result<SessionUser> session_by_hash(const std::string& id_hash) = 0;
  virtual Status touch_session(const std::string& id_hash, UnixSeconds seen_at) = 0;
  // Nothing to remove is not an error.
  virtual Status remove_session(const std::string& id_hash) = 0;
  // Removes the sessions last seen before `idle_before` or made before
  // `created_before`, and the sign-in failures before `failures_before`.
  virtual Status purge_sessions(UnixSeconds idle_before, UnixSeconds created_before,
                                UnixSeconds failures_before) = 0;

  // `key` is "user:NAME" or "client:ADDRESS".
  virtual Status add_sign_in_failure(const std::string& key, UnixSeconds at) = 0;
  // The failures of `key` after `since`.
  virtual Result<SignInFailures> sign_in_failures(const std::string& key, UnixSeconds since) = 0;
  virtual Status clear_sign_in_failures(const std::string& key) = 0;
};

}  // namespace broadsheet::store
