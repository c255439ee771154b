// A tiny authoritative DNS responder on 127.0.0.1 UDP for the MX check's tests: it
// parses the question and answers from a table of zones, in a thread of its own.
// Just enough of RFC 1035 for c-ares: one question, answers pointing at it.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace broadsheet::address::testing {

constexpr std::uint16_t kA = 1, kMx = 15, kTxt = 16, kAaaa = 28;

struct Mx {
  std::uint16_t preference;
  std::string exchange;  // "" is the root, as in a Null MX
};

struct Zone {
  enum class Reply { answer, nxdomain, servfail, silent } reply = Reply::answer;
  std::vector<Mx> mx = {};
  std::vector<std::array<std::uint8_t, 4>> a = {};
  std::vector<std::array<std::uint8_t, 16>> aaaa = {};
  std::vector<std::string> txt = {};  // one record each, split into 255-byte strings
};

class DnsTestServer {
 public:
  explicit DnsTestServer(std::map<std::string, Zone> zones) : zones_(std::move(zones)) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("DnsTestServer: cannot bind 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~DnsTestServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  DnsTestServer(const DnsTestServer&) = delete;
  DnsTestServer& operator=(const DnsTestServer&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int queries() const { return queries_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      std::uint8_t buf[512];
      sockaddr_in peer{};
      socklen_t len = sizeof peer;
      ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &len);
      if (n <= 0) continue;
      ++queries_;
      auto reply = answer(std::vector<std::uint8_t>(buf, buf + n));
      if (!reply.empty()) {
        ::sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer), len);
      }
    }
  }

  static void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v & 0xff));
  }

  static void put_name(std::vector<std::uint8_t>& out, const std::string& name) {
    std::size_t start = 0;
    while (start < name.size()) {
      auto dot = name.find('.', start);
      if (dot == std::string::npos) dot = name.size();
      out.push_back(static_cast<std::uint8_t>(dot - start));
      out.insert(out.end(), name.begin() + static_cast<long>(start),
                 name.begin() + static_cast<long>(dot));
      start = dot + 1;
    }
    out.push_back(0);
  }

  // One answer record whose owner is the question's name (a pointer to offset 12).
  static void put_record(std::vector<std::uint8_t>& out, std::uint16_t type,
                         const std::vector<std::uint8_t>& rdata) {
    put16(out, 0xc00c);
    put16(out, type);
    put16(out, 1);  // IN
    put16(out, 0);
    put16(out, 300);  // TTL
    put16(out, static_cast<std::uint16_t>(rdata.size()));
    out.insert(out.end(), rdata.begin(), rdata.end());
  }

  std::vector<std::uint8_t> answer(const std::vector<std::uint8_t>& q) const {
    if (q.size() < 12 || q[4] != 0 || q[5] != 1) return {};  // exactly one question
    std::string name;
    std::size_t i = 12;
    while (i < q.size() && q[i] != 0) {
      std::size_t len = q[i];
      if (len > 63 || i + 1 + len >= q.size()) return {};
      if (!name.empty()) name += '.';
      for (std::size_t k = 0; k < len; ++k) {
        name += static_cast<char>(std::tolower(q[i + 1 + k]));
      }
      i += 1 + len;
    }
    if (i + 5 > q.size()) return {};
    std::size_t question_end = i + 5;
    std::uint16_t qtype = static_cast<std::uint16_t>(q[i + 1] << 8 | q[i + 2]);

    auto it = zones_.find(name);
    Zone::Reply reply = it == zones_.end() ? Zone::Reply::nxdomain : it->second.reply;
    if (reply == Zone::Reply::silent) return {};
    std::vector<std::vector<std::uint8_t>> records;
    if (reply == Zone::Reply::answer) {
      const Zone& z = it->second;
      if (qtype == kMx) {
        for (const auto& mx : z.mx) {
          std::vector<std::uint8_t> rdata;
          put16(rdata, mx.preference);
          put_name(rdata, mx.exchange);
          records.push_back(std::move(rdata));
        }
      } else if (qtype == kA) {
        for (const auto& a : z.a) records.emplace_back(a.begin(), a.end());
      } else if (qtype == kAaaa) {
        for (const auto& a : z.aaaa) records.emplace_back(a.begin(), a.end());
      } else if (qtype == kTxt) {
        for (const auto& text : z.txt) {
          std::vector<std::uint8_t> rdata;
          for (std::size_t at = 0; at == 0 || at < text.size(); at += 255) {
            auto piece = text.substr(at, 255);
            rdata.push_back(static_cast<std::uint8_t>(piece.size()));
            rdata.insert(rdata.end(), piece.begin(), piece.end());
          }
          records.push_back(std::move(rdata));
        }
      }
    }
    std::uint8_t rcode = reply == Zone::Reply::nxdomain   ? 3
                         : reply == Zone::Reply::servfail ? 2
                                                          : 0;
    std::vector<std::uint8_t> out(q.begin(), q.begin() + 2);         // ID
    out.push_back(static_cast<std::uint8_t>(0x84 | (q[2] & 0x01)));  // QR, AA, RD copied
    out.push_back(static_cast<std::uint8_t>(0x80 | rcode));          // RA, RCODE
    put16(out, 1);
    put16(out, static_cast<std::uint16_t>(records.size()));
    put16(out, 0);
    put16(out, 0);
    out.insert(out.end(), q.begin() + 12, q.begin() + static_cast<long>(question_end));
    for (const auto& r : records) put_record(out, qtype, r);
    return out;
  }

  std::map<std::string, Zone> zones_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

}  // namespace broadsheet::address::testing
