#include "http/client_address.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace broadsheet::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The comma-separated items of every header named `name`, in order.
std::vector<std::string_view> list_items(
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
  std::vector<std::string_view> items;
  for (const auto& [n, value] : headers) {
    if (n != name) continue;
    std::string_view rest = value;
    while (true) {
      auto comma = rest.find(',');
      items.push_back(trim(rest.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return items;
}

std::optional<IpAddress> parse_address(std::string_view text) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return canonical(a);
}

// An address as proxies write it: bare, "a.b.c.d:port" or "[v6]" with or without
// ":port".
std::optional<IpAddress> parse_node(std::string_view text) {
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    auto rest = text.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return std::nullopt;
    return parse_address(text.substr(1, close - 1));
  }
  if (auto a = parse_address(text)) return a;
  auto colon = text.find(':');
  if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
    auto a = parse_address(text.substr(0, colon));
    if (a && a->is_v4()) return a;
  }
  return std::nullopt;
}

// The for= parameter of one Forwarded element (RFC 7239), unquoted; empty if none.
std::string_view forwarded_for(std::string_view element) {
  while (!element.empty()) {
    auto semi = element.find(';');
    auto pair = trim(element.substr(0, semi));
    element = semi == std::string_view::npos ? std::string_view{} : element.substr(semi + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    auto name = trim(pair.substr(0, eq));
    if (name.size() != 3 || std::tolower(static_cast<unsigned char>(name[0])) != 'f' ||
        std::tolower(static_cast<unsigned char>(name[1])) != 'o' ||
        std::tolower(static_cast<unsigned char>(name[2])) != 'r') {
      continue;
    }
    auto value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return {};
}

}  // namespace

std::string client_key(const IpAddress& address) {
  auto a = canonical(address);
  if (a.is_v4()) return a.to_string();
  auto b = a.to_v6().to_bytes();
  std::fill(b.begin() + 8, b.end(), 0);
  return boost::asio::ip::address_v6(b).to_string() + "/64";
}

ClientOrigin client_origin(const IpAddress& peer,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           const std::vector<Network>& trusted_proxies) {
  ClientOrigin origin{canonical(peer).to_string(), false};
  if (!contains(trusted_proxies, peer)) return origin;
  // X-Forwarded-For first: it is the header proxies set (nginx, Caddy, HAProxy), and
  // one that sets it passes a client's own Forwarded on untouched, unread here.
  std::vector<std::string_view> hops = list_items(headers, "x-forwarded-for");
  if (hops.empty()) {
    for (auto element : list_items(headers, "forwarded")) hops.push_back(forwarded_for(element));
  }
  if (!hops.empty()) {
    // From the right: each hop was written by the one after it, and only trusted ones
    // are believed. If every hop is a trusted proxy, the first is the client.
    std::optional<IpAddress> client;
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
      client = parse_node(*it);
      if (!client || !contains(trusted_proxies, *client)) break;
    }
    origin.address = client ? client->to_string() : "unknown";
  }
  auto proto = list_items(headers, "x-forwarded-proto");
  if (!proto.empty()) {
    std::string last(proto.back());
    std::transform(last.begin(), last.end(), last.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    origin.secure = last == "https";
  }
  return origin;
}

}  // namespace broadsheet::http
