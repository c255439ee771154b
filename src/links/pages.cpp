#include "links/pages.hpp"

#include <cstdlib>

namespace broadsheet::links {
namespace {

std::string_view prefix(TokenPurpose purpose) {
  switch (purpose) {
    case TokenPurpose::confirm:
      return "/confirm/";
    case TokenPurpose::unsubscribe:
      return "/u/";
    case TokenPurpose::preferences:
      return "/p/";
    case TokenPurpose::delivery:
      break;
  }
  std::abort();  // a broken REQUIRES: no page takes a delivery token
}

}  // namespace

std::string page_path(TokenPurpose purpose, std::string_view token) {
  std::string path(prefix(purpose));
  path += token;
  return path;
}

std::string page_url(std::string_view base_url, TokenPurpose purpose, std::string_view token) {
  std::string url(base_url);
  url += prefix(purpose);
  url += token;
  return url;
}

std::string signed_page_path(const TokenClaims& claims, std::string_view key) {
  return page_path(claims.purpose, sign_token(claims, key));
}

std::string signed_page_url(std::string_view base_url, const TokenClaims& claims,
                            std::string_view key) {
  return page_url(base_url, claims.purpose, sign_token(claims, key));
}

}  // namespace broadsheet::links
