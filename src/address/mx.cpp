#include "address/mx.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>

#include <algorithm>
#include <charconv>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

namespace broadsheet::address {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kTries = 2;

MxVerdict deliverable(std::string reason) {
  return {Deliverability::deliverable, std::move(reason)};
}
MxVerdict undeliverable(std::string reason) {
  return {Deliverability::undeliverable, std::move(reason)};
}
MxVerdict unknown(std::string reason) { return {Deliverability::unknown, std::move(reason)}; }

int library_status() {
  static std::once_flag once;
  static int status = ARES_SUCCESS;
  std::call_once(once, [] { status = ares_library_init(ARES_LIB_INIT_ALL); });
  return status;
}

// The answer to one query, filled in by c-ares' callback.
struct Answer {
  bool done = false;
  int status = ARES_SUCCESS;
  std::vector<unsigned char> bytes;
};

void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* answer = static_cast<Answer*>(arg);
  answer->done = true;
  answer->status = status;
  if (status == ARES_SUCCESS && abuf && alen > 0) answer->bytes.assign(abuf, abuf + alen);
}

// One c-ares channel, driven by poll(2) on the calling thread until a deadline.
class Resolver {
 public:
  Resolver(const MxOptions& options, Clock::time_point deadline) : deadline_(deadline) {
    ares_options opts{};
    // c-ares doubles the per-try timeout on the second round, so a third of the whole
    // check lets both tries of the first lookup fit in it.
    opts.timeout = static_cast<int>(std::max<long long>(options.timeout.count() / 3, 1));
    opts.tries = kTries;
    status_ = ares_init_options(&channel_, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
    if (status_ == ARES_SUCCESS && !options.dns_servers.empty()) {
      status_ = ares_set_servers_ports_csv(channel_, options.dns_servers.c_str());
    }
  }
  ~Resolver() {
    // Ends pending queries (their callbacks see ARES_EDESTRUCTION) before answers_ go.
    if (channel_) ares_destroy(channel_);
  }
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  int status() const { return status_; }

  const Answer& query(const std::string& name, int type) {
    Answer& answer = answers_.emplace_back();
    ares_query(channel_, name.c_str(), ns_c_in, type, on_answer, &answer);
    return answer;
  }

  // Runs the channel until every query has its answer (true) or the deadline passes.
  bool wait() {
    for (;;) {
      if (std::all_of(answers_.begin(), answers_.end(), [](const Answer& a) { return a.done; })) {
        return true;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
      if (left.count() <= 0) return false;
      timeval max{static_cast<time_t>(left.count() / 1000),
                  static_cast<suseconds_t>(left.count() % 1000 * 1000)};
      timeval tv{};
      timeval* next = ares_timeout(channel_, &max, &tv);
      int wait_ms = next ? static_cast<int>(next->tv_sec * 1000 + (next->tv_usec + 999) / 1000)
                         : static_cast<int>(left.count());
      ares_socket_t socks[ARES_GETSOCK_MAXNUM];
      int bits = ares_getsock(channel_, socks, ARES_GETSOCK_MAXNUM);
      pollfd fds[ARES_GETSOCK_MAXNUM];
      nfds_t n = 0;
      for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
        short events = 0;
        if (ARES_GETSOCK_READABLE(bits, i)) events |= POLLIN;
        if (ARES_GETSOCK_WRITABLE(bits, i)) events |= POLLOUT;
        if (events) fds[n++] = {socks[i], events, 0};
      }
      int ready = ::poll(fds, n, wait_ms);
      if (ready <= 0) {
        ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
        continue;
      }
      for (nfds_t i = 0; i < n; ++i) {
        bool in = fds[i].revents & (POLLIN | POLLERR | POLLHUP);
        bool out = fds[i].revents & POLLOUT;
        ares_process_fd(channel_, in ? fds[i].fd : ARES_SOCKET_BAD,
                        out ? fds[i].fd : ARES_SOCKET_BAD);
      }
    }
  }

 private:
  ares_channel channel_ = nullptr;
  int status_ = ARES_SUCCESS;
  Clock::time_point deadline_;
  std::deque<Answer> answers_;  // stable addresses: c-ares holds pointers to them
};

bool is_null_mx(const ares_mx_reply* list) {
  if (!list || list->next || list->priority != 0) return false;
  std::string_view host = list->host ? list->host : "";
  return host.empty() || host == ".";
}

// An MX answer: MX records (classified), or none (nullopt) when the name has only
// other records, e.g. a CNAME to a name without MX.
std::optional<MxVerdict> classify_mx(const Answer& answer) {
  ares_mx_reply* list = nullptr;
  int st = ares_parse_mx_reply(answer.bytes.data(), static_cast<int>(answer.bytes.size()), &list);
  if (st == ARES_ENODATA) return std::nullopt;
  if (st != ARES_SUCCESS) return unknown(fmt::format("MX answer: {}", ares_strerror(st)));
  MxVerdict verdict = is_null_mx(list) ? undeliverable("the domain does not accept email")
                                       : deliverable("the domain has MX records");
  ares_free_data(list);
  return verdict;
}

// Whether an A or AAAA answer holds at least one address.
int count_addresses(const Answer& answer, int type) {
  const auto* data = answer.bytes.data();
  int size = static_cast<int>(answer.bytes.size());
  int count = 8;
  int st;
  if (type == ns_t_a) {
    ares_addrttl addrs[8];
    st = ares_parse_a_reply(data, size, nullptr, addrs, &count);
  } else {
    ares_addr6ttl addrs[8];
    st = ares_parse_aaaa_reply(data, size, nullptr, addrs, &count);
  }
  if (st == ARES_SUCCESS) return count;
  return st == ARES_ENODATA ? 0 : -1;
}

// The implicit MX of RFC 5321 section 5.1: the domain's own address.
MxVerdict check_addresses(Resolver& resolver, const std::string& domain) {
  const Answer& a = resolver.query(domain, ns_t_a);
  const Answer& aaaa = resolver.query(domain, ns_t_aaaa);
  if (!resolver.wait()) return unknown("the DNS lookup timed out");
  bool unsure = false;
  for (auto [answer, type] : {std::pair{&a, int{ns_t_a}}, std::pair{&aaaa, int{ns_t_aaaa}}}) {
    if (answer->status == ARES_SUCCESS) {
      int n = count_addresses(*answer, type);
      if (n > 0) return deliverable("no MX, but the domain has an address");
      unsure = unsure || n < 0;
    } else if (answer->status != ARES_ENODATA && answer->status != ARES_ENOTFOUND) {
      unsure = true;
    }
  }
  if (unsure) return unknown("address lookup failed");
  return undeliverable("the domain has no mail server");
}

bool valid_port(std::string_view text) {
  unsigned port = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  return !text.empty() && ec == std::errc() && p == text.data() + text.size() && port >= 1 &&
         port <= 65535;
}

bool valid_server(std::string_view entry) {
  unsigned char buf[16];
  std::string host;
  if (!entry.empty() && entry.front() == '[') {
    auto close = entry.find(']');
    if (close == std::string_view::npos) return false;
    host = entry.substr(1, close - 1);
    // c-ares takes a bracketed address only with a port.
    auto rest = entry.substr(close + 1);
    if (rest.empty() || rest.front() != ':' || !valid_port(rest.substr(1))) return false;
    return inet_pton(AF_INET6, host.c_str(), buf) == 1;
  }
  auto colon = entry.find(':');
  host = entry.substr(0, colon);
  if (colon != std::string_view::npos && !valid_port(entry.substr(colon + 1))) return false;
  return inet_pton(AF_INET, host.c_str(), buf) == 1;
}

}  // namespace

Status validate_dns_servers(const std::string& servers) {
  if (servers.empty()) return {};
  std::string_view rest = servers;
  for (bool more = true; more;) {
    auto comma = rest.find(',');
    std::string_view entry = rest.substr(0, comma);
    more = comma != std::string_view::npos;
    if (more) rest.remove_prefix(comma + 1);
    if (!valid_server(entry)) {
      return make_error(Errc::invalid_argument,
                        fmt::format("\"{}\" is not IPv4, IPv4:PORT or [IPv6]:PORT",
                                    std::string(entry.substr(0, 60))));
    }
  }
  return {};
}

Result<std::vector<std::string>> lookup_txt(const std::string& name, const MxOptions& options) {
  if (int st = library_status(); st != ARES_SUCCESS) {
    return make_error(Errc::io, fmt::format("c-ares did not start: {}", ares_strerror(st)));
  }
  Resolver resolver(options, Clock::now() + options.timeout);
  if (resolver.status() != ARES_SUCCESS) {
    return make_error(Errc::io, fmt::format("DNS resolver: {}", ares_strerror(resolver.status())));
  }
  const Answer& answer = resolver.query(name, ns_t_txt);
  if (!resolver.wait()) return make_error(Errc::io, "the DNS lookup timed out");
  if (answer.status == ARES_ENOTFOUND) {
    return make_error(Errc::not_found, fmt::format("{} does not exist", name));
  }
  if (answer.status == ARES_ENODATA) {
    return make_error(Errc::not_found, fmt::format("{} has no TXT record", name));
  }
  if (answer.status != ARES_SUCCESS) {
    return make_error(Errc::io, fmt::format("TXT lookup: {}", ares_strerror(answer.status)));
  }
  ares_txt_ext* list = nullptr;
  int st =
      ares_parse_txt_reply_ext(answer.bytes.data(), static_cast<int>(answer.bytes.size()), &list);
  if (st == ARES_ENODATA)
    return make_error(Errc::not_found, fmt::format("{} has no TXT record", name));
  if (st != ARES_SUCCESS)
    return make_error(Errc::io, fmt::format("TXT answer: {}", ares_strerror(st)));
  std::vector<std::string> records;
  for (const ares_txt_ext* t = list; t; t = t->next) {
    if (t->record_start || records.empty()) records.emplace_back();
    records.back().append(reinterpret_cast<const char*>(t->txt), t->length);
  }
  ares_free_data(list);
  return records;
}

MxVerdict check_deliverable(const std::string& ascii_domain, const MxOptions& options) {
  if (int st = library_status(); st != ARES_SUCCESS) {
    return unknown(fmt::format("c-ares did not start: {}", ares_strerror(st)));
  }
  Resolver resolver(options, Clock::now() + options.timeout);
  if (resolver.status() != ARES_SUCCESS) {
    return unknown(fmt::format("DNS resolver: {}", ares_strerror(resolver.status())));
  }
  const Answer& mx = resolver.query(ascii_domain, ns_t_mx);
  if (!resolver.wait()) return unknown("the DNS lookup timed out");
  switch (mx.status) {
    case ARES_SUCCESS:
      if (auto verdict = classify_mx(mx)) return *verdict;
      return check_addresses(resolver, ascii_domain);
    case ARES_ENOTFOUND:
      return undeliverable("the domain does not exist");
    case ARES_ENODATA:
      return check_addresses(resolver, ascii_domain);
    default:
      return unknown(fmt::format("MX lookup: {}", ares_strerror(mx.status)));
  }
}

}  // namespace broadsheet::address
