#include "core/ip_network.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <string>

namespace broadsheet {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::array<unsigned char, 16> bytes16(const IpAddress& a) {
  if (a.is_v6()) return a.to_v6().to_bytes();
  std::array<unsigned char, 16> out{};
  auto v4 = a.to_v4().to_bytes();
  std::copy(v4.begin(), v4.end(), out.begin());
  return out;
}

}  // namespace

Result<std::vector<Network>> parse_networks(std::string_view text) {
  std::vector<Network> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    auto bad = [&] {
      return make_error(
          Errc::invalid_argument,
          fmt::format("\"{}\" is not an address or a block such as 10.0.0.0/8", item));
    };
    auto slash = item.find('/');
    boost::system::error_code not_address;
    auto address =
        canonical(boost::asio::ip::make_address(std::string(item.substr(0, slash)), not_address));
    if (not_address) return bad();
    unsigned max = address.is_v4() ? 32 : 128;
    unsigned prefix = max;
    if (slash != std::string_view::npos) {
      auto digits = item.substr(slash + 1);
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() ||
          prefix > max) {
        return bad();
      }
    }
    out.push_back({address, prefix});
  }
  return out;
}

bool contains(const std::vector<Network>& networks, const IpAddress& address) {
  auto a = canonical(address);
  auto ab = bytes16(a);
  for (const auto& n : networks) {
    if (n.base.is_v4() != a.is_v4()) continue;
    auto nb = bytes16(n.base);
    unsigned full = n.prefix / 8, rest = n.prefix % 8;
    if (!std::equal(ab.begin(), ab.begin() + full, nb.begin())) continue;
    if (rest != 0) {
      auto mask = static_cast<unsigned char>(0xff << (8 - rest));
      if ((ab[full] & mask) != (nb[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

IpAddress canonical(const IpAddress& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  return address;
}

}  // namespace broadsheet
