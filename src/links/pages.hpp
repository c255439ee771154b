// The pages a reader reaches from an email or another page, each by a signed token
// (token.hpp): "/confirm/TOKEN" confirms a subscription, "/u/TOKEN" unsubscribes,
// "/p/TOKEN" opens the preferences page. The one place these paths are written; the
// routes that answer them are in app/routes.cpp.
//
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "links/token.hpp"

namespace broadsheet::links {

// "/confirm/", "/u/" or "/p/" followed by `token`.
// REQUIRES: `purpose` is confirm, unsubscribe or preferences (a delivery token names
// a copy of an issue, not a page).
std::string page_path(TokenPurpose purpose, std::string_view token);

// `base_url` (scheme and host, no trailing slash, as publication.base_url) followed by
// page_path(purpose, token).
std::string page_url(std::string_view base_url, TokenPurpose purpose, std::string_view token);

// page_path and page_url of sign_token(claims, key), for claims.purpose's page.
// REQUIRES: as page_path for claims.purpose, and as sign_token for `key`.
std::string signed_page_path(const TokenClaims& claims, std::string_view key);
std::string signed_page_url(std::string_view base_url, const TokenClaims& claims,
                            std::string_view key);

}  // namespace broadsheet::links
