// Real relays for the tests of src/smtp, started on 127.0.0.1 and killed at teardown:
// Postfix's smtp-sink (Debian package postfix, not the system service), the aiosmtpd
// relay of testdata/relay.py, a test certificate made by openssl, and a TCP proxy that
// records how the client's bytes arrive (to see pipelining on the wire).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "transport/transport.hpp"

namespace broadsheet::smtp::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline const char* kSmtpSink = "/usr/sbin/smtp-sink";
inline const char* kPython = "/usr/bin/python3";

// A port that was free a moment ago.
inline std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("free_port: cannot bind");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool port_open(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A fresh folder under /tmp, removed with its contents.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/bs-smtp-test.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
    ::chmod(tmpl, 0777);  // smtp-sink writes as nobody when the test runs as root
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A child process, terminated (SIGTERM, then SIGKILL) when destroyed, and killed by
// the kernel if the test dies first (PR_SET_PDEATHSIG), so no relay outlives a crash.
class Process {
 public:
  // With `read_stdout`, the child's stdout is a pipe that wait_for_line() reads. With
  // `as_nobody` (only when root), the child runs as nobody.
  explicit Process(std::vector<std::string> argv, bool read_stdout = false,
                   bool as_nobody = false) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int fds[2] = {-1, -1};
    if (read_stdout && ::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    const passwd* nobody = as_nobody ? ::getpwnam("nobody") : nullptr;
    const uid_t uid = nobody ? nobody->pw_uid : 0;
    const gid_t gid = nobody ? nobody->pw_gid : 0;
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      // Only async-signal-safe calls from here to exec.
      if (nobody && (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) {
        ::_exit(126);
      }
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);
      if (read_stdout) ::dup2(fds[1], 1);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    if (read_stdout) {
      ::close(fds[1]);
      out_ = fds[0];
    }
  }
  ~Process() {
    stop();
    if (out_ >= 0) ::close(out_);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Reads stdout until a line equal to `line`; false on EOF or after `limit`.
  bool wait_for_line(const std::string& line, std::chrono::milliseconds limit = 15s) {
    auto until = std::chrono::steady_clock::now() + limit;
    std::string buffer;
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char c;
      if (::read(out_, &c, 1) != 1) return false;
      if (c != '\n') {
        buffer += c;
      } else if (buffer == line) {
        return true;
      } else {
        buffer.clear();
      }
    }
    return false;
  }

  // Waits for the child to end; its exit status, or -1.
  int wait() {
    int status = 0;
    if (pid_ <= 0 || ::waitpid(pid_, &status, 0) != pid_) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(20ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
};

inline bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (ready()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return ready();
}

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A message as smtp-sink captured it (-d): its own header lines, then the message
// with LF line ends.
struct SinkMessage {
  std::map<std::string, std::string> info;  // X-Client-Proto, X-Helo-Args, X-Mail-Args...
  std::string message;                      // LF line ends, dots unstuffed
};

// Postfix's smtp-sink on 127.0.0.1, capturing each message into a file.
class SmtpSink {
 public:
  // `options`: smtp-sink flags, e.g. {"-r", "RCPT"} (see man smtp-sink).
  explicit SmtpSink(std::vector<std::string> options = {}, std::uint16_t port = 0)
      : port_(port ? port : free_port()) {
    // smtp-sink refuses to run as root without -u; the test starts it as nobody itself.
    std::vector<std::string> argv = {kSmtpSink, "-d", (dir_.path() / "%H%M%S.").string()};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("127.0.0.1:" + std::to_string(port_));
    argv.push_back("64");
    process_ = std::make_unique<Process>(argv, false, ::geteuid() == 0);
    if (!wait_until([&] { return port_open(port_); }, 10s)) {
      throw std::runtime_error("smtp-sink did not start");
    }
  }
  std::uint16_t port() const { return port_; }
  void stop() { process_->stop(); }

  std::vector<SinkMessage> messages() const {
    std::vector<SinkMessage> out;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir_.path())) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::string text = read_file(f);
      SinkMessage m;
      std::istringstream lines(text);
      std::string line;
      bool in_received = false;
      std::size_t consumed = 0;
      while (std::getline(lines, line)) {
        const std::size_t next = consumed + line.size() + 1;
        if (in_received && (line.empty() || line[0] != '\t')) break;
        consumed = next;
        if (line.rfind("Received: ", 0) == 0) {
          in_received = true;
          continue;
        }
        if (in_received) continue;
        auto colon = line.find(": ");
        if (colon != std::string::npos) m.info[line.substr(0, colon)] += line.substr(colon + 2);
      }
      m.message = text.substr(consumed);
      if (!m.message.empty() && m.message.back() == '\n') m.message.pop_back();  // sink's own
      out.push_back(std::move(m));
    }
    return out;
  }
  std::size_t count() const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_.path())) ++n;
    return n;
  }

 private:
  TempDir dir_;
  std::uint16_t port_;
  std::unique_ptr<Process> process_;
};

// A self-signed certificate made by openssl, by default for localhost and 127.0.0.1.
struct Certificate {
  fs::path cert, key;
};
inline Certificate make_certificate(const fs::path& dir, const std::string& name = "localhost",
                                    const std::string& alt_names = "DNS:localhost,IP:127.0.0.1") {
  Certificate c{dir / (name + "-cert.pem"), dir / (name + "-key.pem")};
  Process p({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
             c.key.string(), "-out", c.cert.string(), "-days", "2", "-subj", "/CN=" + name,
             "-addext", "subjectAltName=" + alt_names},
            true);
  if (p.wait() != 0) throw std::runtime_error("openssl did not make a certificate");
  return c;
}

// A message as testdata/relay.py received it.
struct RelayMessage {
  std::map<std::string, std::string> env;  // mail_from, rcpt_to, mail_options, tls, auth
  std::string content;                     // bytes as received, CRLF, dots unstuffed
};

// The aiosmtpd relay of testdata/relay.py; `options` are its flags (--tls starttls ...).
class AioRelay {
 public:
  explicit AioRelay(std::vector<std::string> options) : port_(free_port()) {
    std::vector<std::string> argv = {
        kPython,  (fs::path(__FILE__).parent_path() / "testdata" / "relay.py").string(),
        "--port", std::to_string(port_),
        "--out",  dir_.path().string()};
    argv.insert(argv.end(), options.begin(), options.end());
    process_ = std::make_unique<Process>(argv, true);
    if (!process_->wait_for_line("ready")) throw std::runtime_error("relay.py did not start");
  }
  std::uint16_t port() const { return port_; }

  std::vector<RelayMessage> messages() const {
    std::vector<RelayMessage> out;
    for (int n = 1;; ++n) {
      const fs::path env = dir_.path() / (std::to_string(n) + ".env");
      if (!fs::exists(env)) break;
      RelayMessage m;
      std::istringstream lines(read_file(env));
      std::string line;
      while (std::getline(lines, line)) {
        auto colon = line.find(": ");
        if (colon == std::string::npos) colon = line.size() - 1;
        m.env[line.substr(0, colon)] = line.size() > colon + 2 ? line.substr(colon + 2) : "";
      }
      m.content = read_file(dir_.path() / (std::to_string(n) + ".eml"));
      out.push_back(std::move(m));
    }
    return out;
  }
  std::vector<std::string> events() const {
    std::vector<std::string> out;
    std::istringstream lines(read_file(dir_.path() / "events.log"));
    std::string line;
    while (std::getline(lines, line)) out.push_back(line);
    return out;
  }

 private:
  TempDir dir_;
  std::uint16_t port_;
  std::unique_ptr<Process> process_;
};

// A listening socket on 127.0.0.1 at a port the kernel picks, written to `port`; the
// test servers below accept on it from their own thread.
inline int listen_on_loopback(const char* who, std::uint16_t& port) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener, 16) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listener);
    throw std::runtime_error(std::string(who) + ": cannot listen");
  }
  port = ntohs(addr.sin_port);
  return listener;
}

// Forwards 127.0.0.1:port() to 127.0.0.1:target and records each chunk the client's
// side delivered in one read: commands that arrive in one chunk were sent in one write.
class RecordingProxy {
 public:
  explicit RecordingProxy(std::uint16_t target) : target_(target) {
    listener_ = listen_on_loopback("RecordingProxy", port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~RecordingProxy() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  RecordingProxy(const RecordingProxy&) = delete;
  RecordingProxy& operator=(const RecordingProxy&) = delete;

  std::uint16_t port() const { return port_; }
  std::vector<std::string> client_chunks() const {
    std::lock_guard lock(mu_);
    return chunks_;
  }
  int connections() const { return connections_; }

 private:
  void serve() {
    std::vector<std::pair<int, int>> pairs;  // client, server
    while (!stop_) {
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      for (auto [c, s] : pairs) {
        fds.push_back({c, POLLIN, 0});
        fds.push_back({s, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      const std::size_t polled = pairs.size();  // fds holds these; a new pair waits a turn
      if (fds[0].revents & POLLIN) {
        int client = ::accept(listener_, nullptr, nullptr);
        int server = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(target_);
        if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
          pairs.push_back({client, server});
          ++connections_;
        } else {
          ::close(client);
          ::close(server);
        }
      }
      for (std::size_t i = 0; i < polled; ++i) {
        auto [c, s] = pairs[i];
        bool closed = false;
        for (int side = 0; side < 2; ++side) {
          const auto& p = fds[1 + 2 * i + side];
          if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
          char buf[65536];
          ssize_t n = ::read(p.fd, buf, sizeof buf);
          if (n <= 0) {
            closed = true;
            break;
          }
          if (side == 0) {
            std::lock_guard lock(mu_);
            chunks_.emplace_back(buf, static_cast<std::size_t>(n));
          }
          const int to = side == 0 ? s : c;
          for (ssize_t off = 0; off < n;) {
            ssize_t w = ::write(to, buf + off, static_cast<std::size_t>(n - off));
            if (w <= 0) break;
            off += w;
          }
        }
        if (closed) {
          ::close(c);
          ::close(s);
          pairs[i] = {-1, -1};
        }
      }
      std::erase_if(pairs, [](auto p) { return p.first < 0; });
    }
    for (auto [c, s] : pairs) {
      ::close(c);
      ::close(s);
    }
  }

  std::uint16_t target_;
  std::uint16_t port_ = 0;
  int listener_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> chunks_;
};

// A hostile relay: an ordinary session up to the final dot, then a reply that comes
// one byte every `interval` and never ends (a line of 'x' after "250 "). One
// connection at a time; messages() counts the final dots it saw.
class TricklingRelay {
 public:
  explicit TricklingRelay(std::chrono::milliseconds interval) : interval_(interval) {
    listener_ = listen_on_loopback("TricklingRelay", port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~TricklingRelay() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  TricklingRelay(const TricklingRelay&) = delete;
  TricklingRelay& operator=(const TricklingRelay&) = delete;

  std::uint16_t port() const { return port_; }
  int messages() const { return messages_; }
  int bytes_trickled() const { return trickled_; }

 private:
  static void say(int fd, const std::string& text) {
    (void)::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
  }

  void serve() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      session(fd);
      ::close(fd);
    }
  }

  // Returns when the client closes or the relay stops.
  void session(int fd) {
    say(fd, "220 trickle.test ESMTP\r\n");
    std::string in;
    bool in_data = false;
    auto next_byte = std::chrono::steady_clock::time_point::max();
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) {
        char buf[4096];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return;
        in.append(buf, static_cast<std::size_t>(n));
      }
      if (in_data) {
        auto end = in.find("\r\n.\r\n");
        if (end == std::string::npos) continue;
        in.erase(0, end + 5);
        in_data = false;
        ++messages_;
        say(fd, "250 ");
        next_byte = std::chrono::steady_clock::now() + interval_;
        continue;
      }
      if (std::chrono::steady_clock::now() >= next_byte) {
        say(fd, "x");
        ++trickled_;
        next_byte += interval_;
        continue;
      }
      for (auto eol = in.find("\r\n"); eol != std::string::npos && !in_data;
           eol = in.find("\r\n")) {
        std::string line = in.substr(0, eol);
        in.erase(0, eol + 2);
        std::string verb = line.substr(0, 4);
        std::transform(verb.begin(), verb.end(), verb.begin(), ::toupper);
        if (verb == "EHLO") {
          say(fd, "250 trickle.test\r\n");
        } else if (verb == "DATA") {
          say(fd, "354 go on\r\n");
          in_data = true;
          in = "\r\n" + in;  // the final dot may end the message at once
        } else if (verb == "QUIT") {
          say(fd, "221 bye\r\n");
          return;
        } else {
          say(fd, "250 ok\r\n");
        }
      }
    }
  }

  std::chrono::milliseconds interval_;
  std::uint16_t port_ = 0;
  int listener_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> messages_{0}, trickled_{0};
  std::thread thread_;
};

// Collects the results of submitted messages, in the order submitted.
class Outcomes {
 public:
  // The `done` callback for the i-th message.
  std::function<void(transport::DeliveryResult)> slot(std::size_t i) {
    return [this, i](transport::DeliveryResult r) {
      std::lock_guard lock(mu_);
      if (results_.size() <= i) results_.resize(i + 1);
      results_[i] = std::move(r);
      ++count_;
      cv_.notify_all();
    };
  }
  // Waits for n results; false after `limit`.
  bool wait(std::size_t n, std::chrono::milliseconds limit = 20s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return count_ >= n; });
  }
  std::vector<transport::DeliveryResult> results() const {
    std::lock_guard lock(mu_);
    return results_;
  }
  std::size_t count() const {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<transport::DeliveryResult> results_;
  std::size_t count_ = 0;
};

}  // namespace broadsheet::smtp::testing
