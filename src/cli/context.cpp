#include "cli/context.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "core/clock.hpp"
#include "core/files.hpp"
#include "core/secret_file.hpp"

namespace broadsheet::cli {

store::MailboxKeys mailbox_keys(const Config& config) {
  const auto match = config.readers.case_sensitive_local_part
                         ? address::MailboxMatch::exact
                         : address::MailboxMatch::ignore_local_case;
  return {address::mailbox_match_name(match),
          [match](std::string_view email) { return address::mailbox_key(email, match); }};
}

Result<std::string> database_password(const Config& config, const std::string& data_dir) {
  if (config.database_password_file.empty()) return std::string();
  std::filesystem::path path = config.database_password_file;
  if (path.is_relative()) path = std::filesystem::path(data_dir) / config.secrets_dir / path;
  return read_password_line({path.string(), "database_password_file", 4096, ""});
}

Result<std::unique_ptr<store::Store>> open_database(const Config& config,
                                                    const std::string& data_dir) {
  auto password = database_password(config, data_dir);
  if (!password) return password.error();
  return store::open_store(config.database, data_dir, SystemClock::instance(),
                           mailbox_keys(config), *password);
}

Result<Context> open_context(const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(fs::path(data_dir) / "broadsheet.toml", ec)) {
    return make_error(Errc::config,
                      fmt::format("{} is not a Broadsheet data folder; run `broadsheet init "
                                  "--data {}` first, or name yours with --data or "
                                  "BROADSHEET_DATA",
                                  data_dir, data_dir));
  }
  auto config = load_config(data_dir, process_env());
  if (!config) return config.error();
  auto store = open_database(*config, data_dir);
  if (!store) return store.error();
  Context ctx{std::move(config).value(), std::move(store).value(), {}};
  ctx.address_policy.allow_special_use_domains = ctx.config.mail.allow_special_use_domains;
  ctx.address_policy.allow_utf8_local_part = ctx.config.mail.allow_utf8_local_part;
  return ctx;
}

Result<store::SubscriberQuery> subscriber_filter(store::Store& store, const std::string& newsletter,
                                                 const std::string& status) {
  store::SubscriberQuery q;
  if (!newsletter.empty()) {
    auto n = store.newsletter_by_slug(newsletter);
    if (!n) return n.error();
    q.newsletter_id = n->id;
  }
  if (!status.empty()) {
    auto s = subscription_status_from(status);
    if (!s) return make_error(Errc::invalid_argument, "--status must be unconfirmed, confirmed or unsubscribed");
    if (!q.newsletter_id) return make_error(Errc::invalid_argument, "--status needs --newsletter");
    q.status = s;
  }
  return q;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "broadsheet: %s\n", message.c_str());
  return kExitFailure;
}

int fail(const Error& error) { return fail(error.message); }

Result<std::optional<UnixSeconds>> now_option(const std::string& text) {
  if (text.empty()) return std::optional<UnixSeconds>{};
  auto t = parse_rfc3339(text);
  if (!t) return make_error(Errc::invalid_argument, "--now: " + t.error().message);
  return std::optional<UnixSeconds>{*t};
}

Result<std::string> read_text_file(const char* what, const std::string& path, std::size_t max) {
  auto text = read_small_file(path, max, FileKinds::regular_or_pipe);
  if (!text && text.error().code == Errc::invalid_argument) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{}: {} is longer than {} KiB", what, path, max / 1024));
  }
  if (!text) return make_error(Errc::io, fmt::format("{}: {}", what, text.error().message));
  if (auto s = check_document(fmt::format("{}: {}", what, path), *text, max); !s) return s.error();
  return text;
}

}  // namespace broadsheet::cli
