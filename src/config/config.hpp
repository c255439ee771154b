// Configuration: one TOML file, `broadsheet.toml` in the data folder, where every key
// can be overridden by an environment variable BROADSHEET_<SECTION>_<KEY> (keys at the
// top level: BROADSHEET_<KEY>). One table of key definitions is the source of the
// defaults, the commented file `init` writes, parsing and validation, so they cannot
// drift apart. A bad value is refused at start with the key (and variable) named.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace broadsheet {

struct Config {
  std::string data_dir;  // where the file was read from; not a key

  // Top level.
  std::string database;       // "sqlite:PATH", relative paths from the data folder
  std::string secrets_dir;    // folder of secret files (mode 0600), relative to data
  std::string database_password_file;  // PostgreSQL: first line is the password; relative to secrets_dir
  std::string transport;      // "outbox" or "smtp"

  struct Http {
    std::string listen;             // "HOST:PORT"
    int threads = 0;                // 0: one per core
    std::size_t header_limit = 0;   // bytes of request line and headers
    std::size_t body_limit = 0;     // bytes of body on public routes
    std::size_t api_body_limit = 0; // bytes of body on authenticated API routes
    int read_timeout = 0;           // seconds to read one request
    int keepalive_timeout = 0;      // idle seconds between requests on one connection
    int max_requests = 0;           // requests per connection before it is closed
    int pipeline_depth = 0;         // pipelined requests read ahead per connection
    int handler_threads = 0;        // threads running request handlers (at least 1)
    bool access_log = true;
    int max_connections = 0;             // client connections at once; 0: from RLIMIT_NOFILE
    int max_connections_per_client = 0;  // from one address (IPv6: one /64)
    std::string trusted_proxies;         // addresses and CIDR blocks, comma-separated
  } http;

  struct Publication {
    std::string name;
    std::string tagline;
    std::string base_url;        // public URL, used in links and emails
    std::string postal_address;  // shown in email footers
    // The zone of readers who have none, for newsletters that set no default of their
    // own (schedule::effective_zone); an IANA name or "UTC".
    std::string timezone;
  } publication;

  struct Archive {  // the public archive (src/web/archive_pages.hpp)
    std::size_t cache_bytes = 0;  // rendered pages kept in memory, at most
  } archive;

  struct Mail {
    std::string from;  // default From of newsletters that set none: "Name <addr>"
    bool allow_special_use_domains = false;  // accept example.com, .test, ... addresses
    bool allow_utf8_local_part = false;      // accept SMTPUTF8 mailboxes
    bool check_mx = false;                   // refuse sign-ups at domains without mail
    std::string dns_servers;                 // for check_mx; "" = /etc/resolv.conf
    // The mailbox of List-Unsubscribe's mailto:; "" = unsubscribe@ the From domain.
    std::string unsubscribe_mailbox;
  } mail;

  // Bounces, complaints and unsubscribe mail (src/bounce/bounce.hpp).
  struct Bounce {
    std::string domain;             // of the VERP return path; "" = the From domain
    bool hard_suppresses = true;    // a hard bounce suppresses the address
    int soft_limit = 0;             // soft bounces within soft_window_days that suppress; 0: never
    int soft_window_days = 0;
    bool complaint_unsubscribes = true;  // a complaint unsubscribes from all and suppresses
    std::size_t max_message_bytes = 0;   // `bounce process` reads at most this much
  } bounce;

  // serve's LMTP/SMTP listener for inbound mail (src/inbound/listener.hpp), and the
  // mailbox it polls (src/inbound/poller.hpp).
  struct Inbound {
    std::string listen;       // "HOST:PORT"; "" = off
    int max_connections = 0;  // sessions at once
    int timeout = 0;          // seconds per command or message line
    std::string mailbox;      // "imaps://USER@HOST[:PORT][/FOLDER]" or "pop3s://USER@HOST[:PORT]"; "" = off
    std::string mailbox_password_file;  // first line is the password; relative to secrets_dir
    std::string mailbox_ca_file;        // PEM roots, relative to data; "" = the system's
    int poll_interval = 0;              // seconds between two polls of the mailbox
  } inbound;

  // Bounce and complaint events from sending providers (src/webhooks/receiver.hpp):
  // POST /webhooks/{ses,postmark,sendgrid,mailgun}; a provider left unset is off (404).
  struct Webhooks {
    int max_age = 0;                     // seconds a signed timestamp stays good
    std::size_t max_body_bytes = 0;      // largest webhook body read
    std::string ses_topic_arns;          // SNS topics accepted, comma-separated; "": SES off
    std::string sns_certificates;        // folder of SNS signing certificates, relative to data
    bool sns_fetch_certificates = true;  // fetch one that is missing from its https URL
    std::string postmark_credentials_file;  // "user:password"; relative to secrets_dir
    std::string sendgrid_public_key;        // base64 DER of SendGrid's ECDSA P-256 key
    std::string mailgun_signing_key_file;   // relative to secrets_dir
  } webhooks;

  struct Readers {
    // Tell apart addresses that differ only in the case before the @ (most mailbox
    // providers do not: by default they are one reader).
    bool case_sensitive_local_part = false;
  } readers;

  struct Signup {
    std::string consent_text;      // the notice shown above the Sign up button
    std::string consent_version;   // recorded in the consent ledger with each sign-up
    std::string marketing_text;    // label of a separate, unticked offers box; "" for none
    bool rate_limits = true;       // per client address and per email address
    int rate_per_client = 0;       // sign-up attempts per client address per window
    int rate_per_email = 0;        // sign-up attempts per email address per window
    int rate_window = 0;           // seconds
    int rate_table_size = 0;       // keys each rate-limit table holds before it evicts
    int confirm_expiry_days = 0;   // how long a confirmation link works
    int resend_window = 0;         // seconds between two confirmation emails to one address
    std::string client_address;    // "truncate", "hash" or "full": what the ledger keeps
    // Messages readers see, by code.
    std::string msg_invalid_email, msg_no_newsletter, msg_unknown_newsletter,
        msg_robot_check_failed, msg_rate_limited, msg_internal, msg_success,
        msg_check_address;
  } signup;

  struct Robot {
    int version = 2;           // challenge served when the widget names none
    bool accept_previous = false;  // with version 2, v1 too (a transition only)
    int v1_max_number = 0;     // v1 difficulty
    int v2_cost = 0;           // v2 PBKDF2 iterations
    int v2_prefix_digits = 0;  // v2 difficulty: leading zero hex digits
    int expires = 0;           // seconds a challenge stays good
  } robot;

  struct Dkim {
    // Signing keys, "domain:selector:algorithm:path" separated by commas (config/dkim_keys.hpp
    // parses them, dkim/signer.hpp loads them); "" signs nothing.
    std::string keys;
  } dkim;

  struct Log {
    std::string level;  // trace, debug, info, warn, error
  } log;

  // The relays of transport = "smtp" (smtp/smtp.hpp pool_options_from reads them).
  struct Smtp {
    struct Relay {  // one entry of `relays`: "HOST:PORT[:TLS[:WEIGHT]]"
      std::string host;
      int port = 25;
      std::string tls;  // "" = the section's tls
      int weight = 1;
    };
    std::string host;  // "" until configured; required with transport = "smtp"
    int port = 25;
    std::string tls;   // none, starttls, tls
    bool verify = true;
    std::string ca_file;        // PEM roots, relative to data; "" = the system's
    std::string username;       // AUTH when not empty
    std::string password_file;  // first line is the password; relative to secrets_dir
    std::string password;       // used when password_file is empty
    int pool_size = 0;
    int messages_per_connection = 0;
    int weight = 0;
    std::string helo_name;      // "" = this machine's host name
    std::vector<Relay> relays;  // further relays sharing the settings above
    int threads = 0;
    int timeout_connect = 0, timeout_mail = 0, timeout_rcpt = 0, timeout_data = 0,
        timeout_data_block = 0, timeout_data_end = 0, timeout_idle = 0;  // seconds
  } smtp;

  struct Send {  // the send engine (src/send/engine.hpp)
    int workers = 0;                 // render-and-sign threads; 0: one per core
    int batch_size = 0;              // deliveries read per query
    int in_flight = 0;               // handed over, result not yet durable
    int rate = 0;                    // messages per second; 0: no limit
    int domain_in_flight = 0;        // per recipient domain; 0: no limit
    int domain_rate = 0;             // per recipient domain per second; 0: no limit
    std::vector<int> backoff;        // seconds before each retry
    int give_up_after = 0;           // seconds after the send began
    int lease_seconds = 0;
  } send;

  struct Feeds {  // polling feeds of other sites (src/feeds/)
    int interval = 0;         // seconds between polls of a feed that answered
    int timeout_connect = 0;  // seconds
    int timeout = 0;          // seconds for a whole fetch
    int max_size = 0;         // bytes of a feed at most
  } feeds;

  struct Admin {  // the desk's sign-in (src/admin/desk_auth.hpp)
    // The defaults of the key table, so a Config made in a test behaves as a served one.
    int session_idle = 43200;       // seconds a session may go unused
    int session_lifetime = 604800;  // seconds a session lasts at most
    int sign_in_attempts = 5;       // failed sign-ins per user and per client in the window
    int sign_in_window = 900;       // seconds
  } admin;

  struct Schedule {  // the scheduler's step (src/scheduler/)
    int late_window = 0;  // seconds: a cohort later than this is skipped, not released
  } schedule;
};

// Looks up an environment variable; tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

// Reads DATA_DIR/broadsheet.toml (a missing file means all defaults), applies the
// environment, validates. Errc::config names the key and what is wrong with it.
Result<Config> load_config(const std::string& data_dir, const EnvLookup& env);

// The commented default file that `broadsheet init` writes.
std::string default_config_toml();

// Splits "host:port" (IPv6 as "[::1]:8080"). Errc::invalid_argument when malformed.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
Result<HostPort> parse_listen(const std::string& text);

}  // namespace broadsheet
