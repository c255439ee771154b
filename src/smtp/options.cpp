// pool_options_from: the [smtp] section of broadsheet.toml as PoolOptions. Reads only
// the Config struct (a header of plain data), so bs_smtp needs no link to bs_config.
#include <fmt/format.h>

#include <filesystem>

#include "config/config.hpp"
#include "core/secret_file.hpp"
#include "smtp/smtp.hpp"

namespace broadsheet::smtp {
namespace {

namespace fs = std::filesystem;

TlsMode tls_mode(const std::string& name) {
  if (name == "tls") return TlsMode::tls;
  if (name == "starttls") return TlsMode::starttls;
  return TlsMode::none;
}

Result<std::string> read_password(const Config& config) {
  fs::path path = config.smtp.password_file;
  if (path.is_relative()) path = fs::path(config.data_dir) / config.secrets_dir / path;
  return read_password_line({path.string(), "smtp.password_file", 4096, ""});
}

}  // namespace

Result<PoolOptions> pool_options_from(const Config& config) {
  const auto& s = config.smtp;
  if (s.host.empty()) {
    return make_error(Errc::config,
                      "smtp.host (BROADSHEET_SMTP_HOST): must name the relay when transport is "
                      "\"smtp\"");
  }
  RelayOptions base;
  base.host = s.host;
  base.port = static_cast<std::uint16_t>(s.port);
  base.tls = tls_mode(s.tls);
  base.verify_certificate = s.verify;
  if (!s.ca_file.empty()) {
    fs::path ca = s.ca_file;
    base.ca_file = ca.is_relative() ? (fs::path(config.data_dir) / ca).string() : ca.string();
  }
  base.username = s.username;
  if (!s.username.empty()) {
    if (!s.password_file.empty()) {
      auto password = read_password(config);
      if (!password) return password.error();
      base.password = std::move(*password);
    } else {
      base.password = s.password;
    }
  }
  base.pool_size = s.pool_size;
  base.messages_per_connection = s.messages_per_connection;
  base.weight = s.weight;

  PoolOptions options;
  options.relays.push_back(base);
  for (const auto& extra : s.relays) {
    RelayOptions relay = base;
    relay.host = extra.host;
    relay.port = static_cast<std::uint16_t>(extra.port);
    if (!extra.tls.empty()) relay.tls = tls_mode(extra.tls);
    relay.weight = extra.weight;
    relay.listed = true;
    options.relays.push_back(std::move(relay));
  }
  options.helo_name = s.helo_name;
  options.threads = s.threads;
  auto secs = [](int n) { return Timeouts::Duration(std::int64_t{n} * 1000); };
  options.timeouts.connect = secs(s.timeout_connect);
  options.timeouts.mail = secs(s.timeout_mail);
  options.timeouts.rcpt = secs(s.timeout_rcpt);
  options.timeouts.data = secs(s.timeout_data);
  options.timeouts.data_block = secs(s.timeout_data_block);
  options.timeouts.data_end = secs(s.timeout_data_end);
  options.timeouts.idle = secs(s.timeout_idle);
  return options;
}

}  // namespace broadsheet::smtp
