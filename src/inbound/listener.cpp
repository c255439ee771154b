// The listener's transport: accept, read lines, feed the Session, write its replies,
// run deliveries on the worker pool. Everything but deliveries runs on the one I/O
// thread, so connection state needs no lock.
#include "inbound/listener.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <set>
#include <thread>

#include "net/listen.hpp"

namespace broadsheet::inbound {
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
// A data line may be longer than a command (RFC 5322 allows 998; real mail is
// sloppier), but not without bound.
constexpr std::size_t kMaxDataLine = 64 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;
}  // namespace

struct Listener::Impl : std::enable_shared_from_this<Listener::Impl> {
  Impl(ListenerOptions o, Hooks h, Deliver d)
      : options(std::move(o)),
        hooks(std::move(h)),
        deliver(std::move(d)),
        workers(static_cast<std::size_t>(std::max(1, options.workers))),
        acceptor(ioc),
        drain_deadline(ioc) {}

  class Connection;
  void accept();
  void begin_stop();

  ListenerOptions options;
  Hooks hooks;
  Deliver deliver;
  net::io_context ioc;
  net::thread_pool workers;
  tcp::acceptor acceptor;
  net::steady_timer drain_deadline;
  std::set<std::shared_ptr<Connection>> live;
  std::thread io_thread;
  bool stopping = false;
  bool started = false;
};

class Listener::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl& impl, tcp::socket socket)
      : impl_(impl),
        socket_(std::move(socket)),
        timer_(impl.ioc),
        session_(impl.options.host_name, impl.options.limits, impl.hooks) {}

  void start() {
    out_ = session_.greeting();
    flush();
  }

  // The server stops: an idle session is told so and closed; one delivering finishes
  // first (see after_write).
  void stop() {
    if (delivering_ || closing_) return;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    out_ += Session::shutting_down();
    close_after_write_ = true;
    if (!writing_) flush();
  }

 private:
  void read() {
    if (closing_) return;
    timer_.expires_after(impl_.options.timeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->closing_ || self->writing_ || self->delivering_) return;
      boost::system::error_code ignored;
      self->socket_.cancel(ignored);
      self->out_ += Session::timed_out();
      self->close_after_write_ = true;
      self->flush();
    });
    socket_.async_read_some(
        net::buffer(chunk_),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          self->timer_.cancel();
          if (ec || self->closing_) {
            if (!self->close_after_write_) self->close();
            return;
          }
          self->in_.append(self->chunk_.data(), n);
          self->process();
        });
  }

  // Feeds every complete line to the session, then writes what it answered.
  void process() {
    std::size_t at = 0;
    while (!delivering_ && !close_after_write_) {
      const auto nl = in_.find('\n', at);
      if (nl == std::string::npos) break;
      Step step = session_.on_line(std::string_view(in_).substr(at, nl - at));
      at = nl + 1;
      take(std::move(step));
    }
    in_.erase(0, at);
    if (in_.size() > (session_.in_data() ? kMaxDataLine : kMaxCommandLine) && !delivering_ &&
        !close_after_write_) {
      in_.clear();
      out_ += "500 5.5.2 Line too long, closing\r\n";
      close_after_write_ = true;
    }
    if (!out_.empty()) {
      flush();
    } else if (!delivering_ && !close_after_write_) {
      read();
    }
  }

  void take(Step step) {
    out_ += step.reply;
    if (step.close) close_after_write_ = true;
    if (step.deliver) run_delivery(std::move(*step.deliver));
  }

  void run_delivery(Envelope envelope) {
    delivering_ = true;
    net::post(impl_.workers, [self = shared_from_this(), e = std::move(envelope)] {
      std::vector<Outcome> outcomes;
      outcomes.reserve(e.recipients.size());
      for (const auto& r : e.recipients) {
        Outcome o = Outcome::retry_later;
        try {
          o = self->impl_.deliver(r, e.message);
        } catch (const std::exception& ex) {  // a bug: the MTA keeps the message
          spdlog::error("inbound: delivery to {} failed: {}", r, ex.what());
        }
        outcomes.push_back(o);
      }
      net::post(self->impl_.ioc, [self, outcomes = std::move(outcomes)] {
        self->delivering_ = false;
        self->take(self->session_.delivered(outcomes));
        if (self->impl_.stopping) self->close_after_write_ = true;
        self->process();
      });
    });
  }

  void flush() {
    if (writing_ || out_.empty()) return;
    writing_ = true;
    sending_ = std::move(out_);
    out_.clear();
    timer_.expires_after(impl_.options.timeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec && self->writing_) self->close();  // a peer that does not read
    });
    net::async_write(socket_, net::buffer(sending_),
                     [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                       self->timer_.cancel();
                       self->writing_ = false;
                       if (ec) return self->close();
                       self->after_write();
                     });
  }

  void after_write() {
    if (!out_.empty()) return flush();
    if (close_after_write_) return close();
    if (delivering_) return;  // the delivery's completion goes on
    if (impl_.stopping) {
      stop();
      return;
    }
    // Lines already buffered (pipelined) come before reading more.
    if (in_.find('\n') != std::string::npos) return process();
    read();
  }

  void close() {
    if (closing_) return;
    closing_ = true;
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    // Keep ourselves alive until this handler returns; then the set lets go.
    auto self = shared_from_this();
    impl_.live.erase(self);
    if (impl_.stopping && impl_.live.empty()) impl_.drain_deadline.cancel();
  }

  Impl& impl_;
  tcp::socket socket_;
  net::steady_timer timer_;
  Session session_;
  std::array<char, kReadChunk> chunk_{};
  std::string in_, out_, sending_;
  bool writing_ = false, delivering_ = false, close_after_write_ = false, closing_ = false;
};

void Listener::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](const boost::system::error_code& ec,
                                                    tcp::socket socket) {
    if (self->stopping || ec == net::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors, typically: try again a little later rather than spin.
      auto retry = std::make_shared<net::steady_timer>(self->ioc, std::chrono::milliseconds(100));
      retry->async_wait([self, retry](const boost::system::error_code&) {
        if (!self->stopping) self->accept();
      });
      return;
    }
    if (static_cast<int>(self->live.size()) >= self->options.max_connections) {
      auto refused = std::make_shared<tcp::socket>(std::move(socket));
      auto text =
          std::make_shared<std::string>("421 4.7.0 Too many connections, try again later\r\n");
      net::async_write(*refused, net::buffer(*text),
                       [refused, text](const boost::system::error_code&, std::size_t) {
                         boost::system::error_code ignored;
                         refused->close(ignored);
                       });
    } else {
      auto c = std::make_shared<Connection>(*self, std::move(socket));
      self->live.insert(c);
      c->start();
    }
    self->accept();
  });
}

void Listener::Impl::begin_stop() {
  if (stopping) return;
  stopping = true;
  boost::system::error_code ignored;
  acceptor.close(ignored);
  auto connections = live;  // stop() may close and erase
  for (auto& c : connections) c->stop();
  if (live.empty()) return;
  drain_deadline.expires_after(kDrainLimit);
  drain_deadline.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    spdlog::warn("inbound: {} session(s) still open after {} s; stopping anyway", self->live.size(),
                 kDrainLimit.count());
    self->ioc.stop();
  });
}

Listener::Listener(ListenerOptions options, Hooks hooks, Deliver deliver)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(hooks), std::move(deliver))) {}

Listener::~Listener() { stop(); }

Result<unsigned short> Listener::listen(const std::string& host, unsigned short port) {
  auto bound = broadsheet::net::listen_on(impl_->acceptor, host, port);
  if (!bound) return make_error(Errc::io, "inbound: " + bound.error().message);
  return bound;
}

void Listener::start() {
  impl_->started = true;
  impl_->accept();
  impl_->io_thread = std::thread([impl = impl_] { impl->ioc.run(); });
}

void Listener::request_stop() {
  // A weak reference: once the I/O thread has ended (serve asks to stop on SIGTERM, then
  // stop() asks again), the posted handler never runs, and a strong one would keep Impl,
  // which owns the io_context that holds the handler, alive for ever.
  net::post(impl_->ioc, [weak = std::weak_ptr<Impl>(impl_)] {
    if (auto impl = weak.lock()) impl->begin_stop();
  });
}

void Listener::stop() {
  if (!impl_->started) return;
  request_stop();
  if (impl_->io_thread.joinable()) impl_->io_thread.join();
  impl_->workers.join();
  // Sessions left after kDrainLimit are cut now: no thread runs their handlers any more.
  impl_->live.clear();
  impl_->started = false;
}

}  // namespace broadsheet::inbound
