// What most commands need: the data folder's configuration and an open store.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "address/address.hpp"
#include "config/config.hpp"
#include "core/result.hpp"
#include "core/clock.hpp"
#include "store/store.hpp"

namespace broadsheet::cli {

struct Context {
  Config config;
  std::unique_ptr<store::Store> store;
  address::AddressPolicy address_policy;  // how readers' addresses are checked
};

// Which addresses are one reader, as `readers.case_sensitive_local_part` says: the
// rule of address::mailbox_key, given to the store.
store::MailboxKeys mailbox_keys(const Config& config);

// The PostgreSQL password: the first line of `database_password_file` (under
// secrets_dir), "" when none is set (libpq then looks for one itself).
Result<std::string> database_password(const Config& config, const std::string& data_dir);

// Opens the store `config.database` names, with the PostgreSQL password from
// `database_password_file` (under secrets_dir) when one is set.
Result<std::unique_ptr<store::Store>> open_database(const Config& config,
                                                    const std::string& data_dir);

// Loads DATA/broadsheet.toml and opens the store. Errc::config when DATA has not been
// initialised (with the `broadsheet init` command to run), or the file is bad.
Result<Context> open_context(const std::string& data_dir);

// The subscribers that --newsletter SLUG and --status S select (either may be empty).
Result<store::SubscriberQuery> subscriber_filter(store::Store& store, const std::string& newsletter,
                                                 const std::string& status);

// Reads a UTF-8 text file of at most `max` bytes without NUL bytes; the message names
// `what` (the option) and the path.
Result<std::string> read_text_file(const char* what, const std::string& path, std::size_t max);

// A command's `--now` (the instant it acts as at, for tests and replays): the instant the
// RFC 3339 text gives, or nullopt when it is empty; a bad text is Errc::invalid_argument
// "--now: …".
Result<std::optional<UnixSeconds>> now_option(const std::string& text);

// The inbound events (bounces, complaints, unsubscribe mail) for `issue show` and
// `subscriber show`: one indented line each, e.g.
// "  2026-12-07T08:00:00Z  hard  reader 3  issue 2  5.1.1 ...  suppressed".
std::string bounce_event_lines(const std::vector<store::BounceEventRow>& events);

// Exit codes shared by all commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
// `issue send --wait` and `schedule tick --wait`: deliveries are still pending (deferred
// ones waiting for a retry, or a run that was stopped, paused or cancelled).
inline constexpr int kExitPending = 3;

// Prints "broadsheet: MESSAGE" on stderr and returns kExitFailure.
int fail(const std::string& message);
int fail(const Error& error);

}  // namespace broadsheet::cli
