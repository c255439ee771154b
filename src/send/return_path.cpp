#include "send/return_path.hpp"

namespace broadsheet::send {

std::string return_path(const Config& config, const links::ReturnClaims& claims,
                        std::string_view link_key, std::string_view from_address) {
  std::string_view domain = config.bounce.domain;
  if (domain.empty()) {
    const auto at = from_address.rfind('@');
    if (at == std::string_view::npos) return std::string(from_address);
    domain = from_address.substr(at + 1);
  }
  return links::return_path(claims, link_key, domain);
}

}  // namespace broadsheet::send
