#include "inbound/curl_mailbox.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <optional>
#include <string_view>

#include "core/secret_file.hpp"

namespace broadsheet::inbound {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxListingBytes = 8 << 20;
constexpr std::size_t kIdsPerCommand = 200;

struct Sink {
  std::string body;
  std::size_t max_bytes = 0;
  bool over = false;
  bool truncate = false;  // a listing: keep the first max_bytes, read on
};

std::size_t write_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t bytes = size * n;
  if (sink->body.size() + bytes > sink->max_bytes) {
    sink->over = true;
    if (!sink->truncate) return 0;  // ends the transfer: CURLE_WRITE_ERROR
    sink->body.append(data, sink->max_bytes - sink->body.size());
    return bytes;
  }
  sink->body.append(data, bytes);
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;
}

// The numbers that follow `key` ("UID 12") in an IMAP FETCH response line.
std::optional<std::size_t> number_after(std::string_view line, std::string_view key) {
  std::size_t at = 0;
  while ((at = line.find(key, at)) != std::string_view::npos) {
    const bool starts_word = at == 0 || line[at - 1] == ' ' || line[at - 1] == '(';
    at += key.size();
    if (!starts_word || at >= line.size() || line[at] != ' ') continue;
    std::size_t value = 0;
    const char* first = line.data() + at + 1;
    auto [end, ec] = std::from_chars(first, line.data() + line.size(), value);
    if (ec == std::errc() && end != first) return value;
  }
  return std::nullopt;
}

class CurlMailbox final : public MailboxClient {
 public:
  // REQUIRES: curl is a new handle, which the client owns from here.
  CurlMailbox(CurlMailboxOptions options, const std::atomic<bool>& stop, CURL* curl)
      : o_(std::move(options)), stop_(stop), curl_(curl) {
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "imaps,pop3s");
    curl_easy_setopt(curl_, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    curl_easy_setopt(curl_, CURLOPT_USERNAME, o_.url.user.c_str());
    curl_easy_setopt(curl_, CURLOPT_PASSWORD, o_.password.c_str());
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!o_.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, o_.ca_file.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(o_.connect_timeout.count()));
    // A transfer that moves nothing for `timeout` ends (a server that went silent).
    curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(std::max<long long>(1, o_.timeout.count() / 1000)));
    curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, &stop_);
  }
  ~CurlMailbox() override {
    curl_easy_cleanup(curl_);  // LOGOUT or QUIT: POP3's DELEs take effect
    OPENSSL_cleanse(o_.password.data(), o_.password.size());
  }
  CurlMailbox(const CurlMailbox&) = delete;
  CurlMailbox& operator=(const CurlMailbox&) = delete;

  Result<std::vector<MailboxEntry>> list() override {
    Sink sink{{}, kMaxListingBytes, false, true};
    const bool imap = o_.url.protocol == MailboxProtocol::imap;
    if (auto st = perform(o_.url.server_url(), imap ? "UID FETCH 1:* (UID RFC822.SIZE)" : "", false,
                          sink);
        !st) {
      return st.error();
    }
    std::vector<MailboxEntry> out;
    std::string_view rest = sink.body;
    while (!rest.empty()) {
      const auto eol = rest.find('\n');
      std::string_view line = rest.substr(0, eol);
      rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (imap) {
        if (!line.starts_with("* ")) continue;
        const auto uid = number_after(line, "UID"), size = number_after(line, "RFC822.SIZE");
        if (uid && size) out.push_back({std::to_string(*uid), *size});
      } else {
        std::size_t number = 0, size = 0;
        const char* end = line.data() + line.size();
        auto [p, ec] = std::from_chars(line.data(), end, number);
        if (ec != std::errc() || p == end || *p != ' ') continue;
        auto [q, ec2] = std::from_chars(p + 1, end, size);
        if (ec2 != std::errc()) continue;
        out.push_back({std::to_string(number), size});
      }
    }
    return out;
  }

  Result<std::string> fetch(const MailboxEntry& entry, std::size_t max_bytes) override {
    Sink sink{{}, max_bytes, false, false};
    const std::string url = o_.url.protocol == MailboxProtocol::imap
                                ? fmt::format("{};UID={}", o_.url.server_url(), entry.id)
                                : o_.url.server_url() + entry.id;
    auto st = perform(url, "", false, sink);
    if (sink.over) {
      return make_error(Errc::invalid_argument,
                        fmt::format("message {} is larger than {} bytes", entry.id, max_bytes));
    }
    if (!st) return st.error();
    return std::move(sink.body);
  }

  Status remove(const std::vector<std::string>& ids) override {
    Sink sink{{}, kMaxListingBytes, false, true};
    if (o_.url.protocol == MailboxProtocol::pop3) {
      for (const auto& id : ids) {
        if (auto st = perform(o_.url.server_url() + id, "DELE", true, sink); !st) return st;
      }
      return {};
    }
    for (std::size_t i = 0; i < ids.size(); i += kIdsPerCommand) {
      std::string set;
      for (std::size_t j = i; j < std::min(ids.size(), i + kIdsPerCommand); ++j) {
        set += (set.empty() ? "" : ",") + ids[j];
      }
      if (auto st =
              perform(o_.url.server_url(),
                      fmt::format("UID STORE {} +FLAGS.SILENT (\\Deleted)", set), false, sink);
          !st) {
        return st;
      }
      if (!perform(o_.url.server_url(), "UID EXPUNGE " + set, false, sink)) {
        // No UIDPLUS: every message marked deleted goes, ours among them.
        if (auto st = perform(o_.url.server_url(), "EXPUNGE", false, sink); !st) return st;
      }
    }
    return {};
  }

 private:
  Status perform(const std::string& url, const std::string& custom, bool nobody, Sink& sink) {
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, custom.empty() ? nullptr : custom.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOBODY, nobody ? 1L : 0L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(curl_);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, nullptr);
    if (rc == CURLE_OK) return {};
    return describe(rc, error[0] != '\0' ? std::string(error) : curl_easy_strerror(rc));
  }

  Error describe(CURLcode rc, const std::string& detail) const {
    const MailboxUrl& u = o_.url;
    switch (rc) {
      case CURLE_ABORTED_BY_CALLBACK:
        return make_error(Errc::io, "inbound.mailbox: stopped");
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_CONNECT:
      case CURLE_OPERATION_TIMEDOUT:
        return make_error(Errc::io, fmt::format("inbound.mailbox: cannot connect to {}:{}: {}",
                                                u.host, u.port, detail));
      case CURLE_PEER_FAILED_VERIFICATION:
        return make_error(Errc::config,
                          fmt::format("inbound.mailbox_ca_file: the certificate of {} is not "
                                      "trusted: {}",
                                      u.host, detail));
      case CURLE_SSL_CACERT_BADFILE:
        return make_error(Errc::config, fmt::format("inbound.mailbox_ca_file: cannot read {}: {}",
                                                    o_.ca_file, detail));
      case CURLE_LOGIN_DENIED:
        if (detail.find("Select failed") != std::string::npos) {
          return make_error(Errc::config, fmt::format("inbound.mailbox: {} has no folder {} ({})",
                                                      u.host, u.folder, detail));
        }
        return make_error(Errc::config,
                          fmt::format("inbound.mailbox_password_file: {} refused the login of {} "
                                      "({}); check the password, or the user in inbound.mailbox",
                                      u.host, u.user, detail));
      default:
        return make_error(Errc::io, fmt::format("inbound.mailbox: {}: {}", u.display(), detail));
    }
  }

  CurlMailboxOptions o_;
  const std::atomic<bool>& stop_;
  CURL* curl_;
};

}  // namespace

Result<CurlMailboxOptions> curl_mailbox_options_from(const Config& config) {
  const auto& in = config.inbound;
  if (in.mailbox.empty()) return make_error(Errc::config, "inbound.mailbox: not set");
  auto url = parse_mailbox_url(in.mailbox);
  if (!url) return make_error(Errc::config, "inbound.mailbox: " + url.error().message);
  if (in.mailbox_password_file.empty()) {
    return make_error(Errc::config,
                      "inbound.mailbox_password_file: required with inbound.mailbox (a file in "
                      "secrets_dir whose first line is the password, mode 0600)");
  }
  CurlMailboxOptions options;
  options.url = std::move(*url);
  fs::path path = in.mailbox_password_file;
  if (path.is_relative()) path = fs::path(config.data_dir) / config.secrets_dir / path;
  auto password = read_password_line({path.string(), "inbound.mailbox_password_file", 4096, ""});
  if (!password) return password.error();
  options.password = std::move(*password);
  if (!in.mailbox_ca_file.empty()) {
    fs::path ca = in.mailbox_ca_file;
    options.ca_file = ca.is_relative() ? (fs::path(config.data_dir) / ca).string() : ca.string();
  }
  return options;
}

Result<std::unique_ptr<MailboxClient>> open_curl_mailbox(const CurlMailboxOptions& options,
                                                         const std::atomic<bool>& stop) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return make_error(Errc::internal, "inbound.mailbox: curl_easy_init failed");
  return std::unique_ptr<MailboxClient>(std::make_unique<CurlMailbox>(options, stop, curl));
}

}  // namespace broadsheet::inbound
