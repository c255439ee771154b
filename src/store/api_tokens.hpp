// Store role: API tokens, found by the hash of their secret (never the secret itself).
// Used by the API's authorizer (src/admin/api_auth) and `broadsheet token`.
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

class ApiTokens {
 public:
  virtual ~ApiTokens() = default;

  // Stamps created_at; Errc::not_found when the user does not exist.
  virtual Result<ApiToken> add_api_token(Id user_id, const std::string& name,
                                         const std::string& token_hash) = 0;
  // Finds revoked tokens too (the caller refuses them).
  virtual Result<ApiToken> api_token_by_hash(const std::string& token_hash) = 0;
  virtual Result<std::vector<ApiToken>> list_api_tokens() = 0;
  // Stamps revoked_at; Errc::not_found when no such token, Errc::conflict when revoked.
  virtual Status revoke_api_token(Id token_id) = 0;
  virtual Status touch_api_token(Id token_id, UnixSeconds used_at) = 0;
};

}  // namespace broadsheet::store
