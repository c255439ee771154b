#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "smtp/connection.hpp"
#include "smtp/diagnosis.hpp"
#include "smtp/pool_impl.hpp"
#include "smtp/wire.hpp"

namespace broadsheet::smtp {
namespace {

constexpr auto kFirstRetry = std::chrono::milliseconds(100);
constexpr auto kLongestRetry = std::chrono::milliseconds(10'000);

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

std::string relay_name(const RelayOptions& r) {
  if (r.host.find(':') != std::string::npos) return fmt::format("[{}]:{}", r.host, r.port);
  return fmt::format("{}:{}", r.host, r.port);
}

Status check(const PoolOptions& o) {
  auto bad = [](std::string what) { return make_error(Errc::config, std::move(what)); };
  if (o.relays.empty()) return bad("no SMTP relay configured");
  if (o.threads < 1 || o.threads > 64) return bad("SMTP threads must be 1 to 64");
  const auto& t = o.timeouts;
  for (auto d : {t.connect, t.mail, t.rcpt, t.data, t.data_block, t.data_end, t.idle}) {
    if (d.count() <= 0) return bad("SMTP timeouts must be positive");
  }
  for (const auto& r : o.relays) {
    if (r.host.empty()) return bad("an SMTP relay has no host");
    if (r.port == 0) return bad(fmt::format("SMTP relay {}: port 0", r.host));
    if (r.pool_size < 1 || r.messages_per_connection < 1 || r.weight < 1) {
      return bad(fmt::format(
          "SMTP relay {}: pool_size, messages_per_connection and weight must be at least 1",
          relay_name(r)));
    }
    for (unsigned char c : r.host + r.username + r.password) {
      if (c < 0x20 || c == 0x7f)
        return bad(
            fmt::format("SMTP relay {}: control character in "
                        "host or credentials",
                        relay_name(r)));
    }
  }
  for (unsigned char c : o.helo_name) {
    if (c <= 0x20 || c >= 0x7f) return bad("SMTP helo_name must be a plain host name");
  }
  return {};
}

Result<std::unique_ptr<asio::ssl::context>> tls_context(const RelayOptions& r) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (r.tls != TlsMode::none && r.verify_certificate) {
    if (!r.ca_file.empty()) {
      ctx->load_verify_file(r.ca_file, ec);
    } else {
      ctx->set_default_verify_paths(ec);
    }
    if (ec) {
      return make_error(Errc::config, fmt::format("SMTP relay {}: cannot load CA file \"{}\": {}",
                                                  relay_name(r), r.ca_file, ec.message()));
    }
  }
  return ctx;
}

}  // namespace

const char* tls_mode_name(TlsMode mode) {
  switch (mode) {
    case TlsMode::none:
      return "none";
    case TlsMode::starttls:
      return "starttls";
    case TlsMode::tls:
      return "tls";
  }
  return "?";
}

Pool::Impl::Impl(PoolOptions opts)
    : options(std::move(opts)),
      io(static_cast<int>(options.threads)),
      work(asio::make_work_guard(io)),
      cut_timer(std::make_unique<asio::steady_timer>(io)) {}

Result<std::unique_ptr<Pool>> Pool::start(PoolOptions options) {
  if (auto st = check(options); !st) return st.error();
  if (options.helo_name.empty()) options.helo_name = host_name();
  auto impl = std::make_unique<Impl>(std::move(options));
  for (const auto& r : impl->options.relays) {
    auto relay = std::make_unique<Relay>();
    relay->options = r;
    relay->name = relay_name(r);
    auto ctx = tls_context(r);
    if (!ctx) return ctx.error();
    relay->tls = std::move(*ctx);
    relay->retry = std::make_unique<asio::steady_timer>(impl->io);
    impl->relays.push_back(std::move(relay));
  }
  for (int i = 0; i < impl->options.threads; ++i) {
    impl->threads.emplace_back([io = &impl->io] { io->run(); });
  }
  return std::unique_ptr<Pool>(new Pool(std::move(impl)));
}

Pool::Pool(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Pool::~Pool() { stop(); }

void Pool::submit(std::vector<transport::Mail> batch, Completion done) {
  // One completion shared by the batch's jobs, each of which knows its index.
  auto shared_done = std::make_shared<Completion>(std::move(done));
  std::vector<Job> jobs(batch.size());
  const auto now = SteadyClock::now();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    jobs[i].envelope = std::move(batch[i].envelope);
    jobs[i].message = std::move(batch[i].message);
    jobs[i].done = [shared_done, i](transport::DeliveryResult r) {
      (*shared_done)(i, std::move(r));
    };
    jobs[i].queued_at = now;
  }
  std::unique_lock lock(impl_->mu);
  if (impl_->stopping) {
    lock.unlock();
    for (auto& job : jobs) Impl::complete(job, Impl::not_sent("the SMTP pool is stopped"));
    return;
  }
  impl_->probe_down_relays();
  for (auto& job : jobs) {
    if (auto problem = envelope_problem(job.envelope)) {
      asio::post(impl_->io, [job = std::move(job), why = *problem]() mutable {
        Impl::complete(job, {transport::DeliveryResult::Kind::failed, 0, why});
      });
      continue;
    }
    impl_->enqueue(*impl_->choose_relay(), std::move(job), false);
  }
}

void Pool::stop_within(std::chrono::milliseconds grace) {
  std::lock_guard lock(impl_->mu);
  if (impl_->cut_armed || impl_->stopped) return;
  impl_->cut_armed = true;
  // stop() cancels the timer when nothing is left to cut.
  impl_->cut_timer->expires_after(grace);
  impl_->cut_timer->async_wait([impl = impl_.get()](const boost::system::error_code& ec) {
    if (!ec) impl->cut();
  });
}

void Pool::stop() {
  std::vector<Job> dropped;
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
    impl_->begin_stopping(dropped);
    for (const auto& conn : impl_->connections) conn->abort();
    if (impl_->connections.empty()) impl_->cut_timer->cancel();
    threads.swap(impl_->threads);
  }
  for (auto& job : dropped) {
    asio::post(impl_->io, [job = std::move(job)]() mutable {
      Impl::complete(job, Impl::not_sent("the SMTP pool stopped first"));
    });
  }
  impl_->work.reset();
  for (auto& t : threads) t.join();
}

void Pool::check_relays(std::function<void(const RelayCheck&)> done) {
  auto shared = std::make_shared<std::function<void(const RelayCheck&)>>(std::move(done));
  std::lock_guard lock(impl_->mu);
  if (impl_->stopping) return;
  for (auto& relay : impl_->relays) {
    auto conn = std::make_shared<Connection>(*impl_, *relay,
                                             [shared](const RelayCheck& c) { (*shared)(c); });
    impl_->connections.insert(conn);
    conn->start();
  }
}

bool Pool::Impl::check_finished(const std::shared_ptr<Connection>& conn) {
  std::lock_guard lock(mu);
  connections.erase(conn);
  connection_gone();
  return !stopping;
}

void Pool::Impl::begin_stopping(std::vector<Job>& dropped) {
  if (stopping) return;
  stopping = true;
  for (auto& relay : relays) {
    for (auto& job : relay->queue) dropped.push_back(std::move(job));
    relay->queue.clear();
    relay->retry->cancel();
    for (auto& conn : relay->idle) conn->wake();
    relay->idle.clear();
  }
}

void Pool::Impl::cut() {
  std::vector<Job> dropped;
  {
    std::lock_guard lock(mu);
    begin_stopping(dropped);
    for (const auto& conn : connections) conn->cut();
  }
  for (auto& job : dropped) complete(job, not_sent("the SMTP pool stopped first"));
}

void Pool::Impl::connection_gone() {
  if (stopping && connections.empty()) cut_timer->cancel();
}

transport::DeliveryResult Pool::Impl::not_sent(std::string why) {
  return {transport::DeliveryResult::Kind::not_sent, 0, "not sent: " + std::move(why)};
}

void Pool::Impl::complete(Job& job, transport::DeliveryResult result) {
  auto done = std::move(job.done);
  job.message.reset();
  if (done) done(std::move(result));
}

// Smooth weighted round robin (as nginx does it): every relay gains its weight, the
// richest is chosen and pays the total. Relays that are down are left out while any
// other is up.
Relay* Pool::Impl::choose_relay(const std::vector<const Relay*>& except, bool up_only) {
  auto excluded = [&](const Relay& r) {
    return std::find(except.begin(), except.end(), &r) != except.end();
  };
  auto up = [](const Relay& r) { return !(r.failures > 0 && r.ready == 0); };
  bool any = false, any_up = false;
  for (const auto& r : relays) {
    if (excluded(*r)) continue;
    any = true;
    any_up = any_up || up(*r);
  }
  if (!any || (up_only && !any_up)) return nullptr;
  Relay* best = nullptr;
  int total = 0;
  for (auto& r : relays) {
    if (excluded(*r) || (any_up && !up(*r))) continue;
    r->current_weight += r->options.weight;
    total += r->options.weight;
    if (best == nullptr || r->current_weight > best->current_weight) best = r.get();
  }
  best->current_weight -= total;
  return best;
}

// A relay that is down gets no messages while another is up, so nothing would try
// it again: while there is work, it is probed with the same growing pause.
void Pool::Impl::probe_down_relays() {
  if (relays.size() < 2) return;
  for (auto& r : relays) {
    if (r->failures > 0 && r->ready == 0 && r->open == 0 && !r->retry_pending) {
      schedule_retry(*r);
    }
  }
}

void Pool::Impl::enqueue(Relay& relay, Job job, bool front) {
  if (front) {
    relay.queue.push_front(std::move(job));
  } else {
    relay.queue.push_back(std::move(job));
  }
  kick(relay);
}

void Pool::Impl::kick(Relay& relay) {
  if (relay.queue.empty() || stopping) return;
  if (!relay.idle.empty()) {
    auto conn = std::move(relay.idle.back());
    relay.idle.pop_back();
    conn->wake();
    return;
  }
  if (relay.retry_pending || relay.open >= relay.options.pool_size) return;
  if (relay.failures > 0 && relay.setting_up > 0) return;  // one probe at a time
  if (relay.setting_up >= static_cast<int>(relay.queue.size())) return;
  open_connection(relay);
}

void Pool::Impl::open_connection(Relay& relay) {
  auto conn = std::make_shared<Connection>(*this, relay);
  connections.insert(conn);
  ++relay.open;
  ++relay.setting_up;
  conn->start();
}

void Pool::Impl::schedule_retry(Relay& relay) {
  if (relay.retry_pending) return;
  relay.retry_pending = true;
  auto pause = kFirstRetry * (1 << std::min(relay.failures - 1, 10));
  relay.retry->expires_after(std::min<SteadyClock::duration>(pause, kLongestRetry));
  relay.retry->async_wait([this, &relay](const boost::system::error_code& ec) {
    std::lock_guard lock(mu);
    relay.retry_pending = false;
    if (ec || stopping) return;
    if (!relay.queue.empty()) {
      kick(relay);
    } else if (relay.open == 0) {
      open_connection(relay);  // a probe: if it works the relay takes its share again
    }
  });
}

Pool::Impl::Next Pool::Impl::take(Relay& relay, const std::shared_ptr<Connection>& conn,
                                  bool may_wait, std::optional<Job>& job) {
  std::lock_guard lock(mu);
  if (!relay.queue.empty()) {
    job.emplace(std::move(relay.queue.front()));
    relay.queue.pop_front();
    return Next::job;
  }
  if (stopping) return Next::stop;
  if (may_wait && std::find(relay.idle.begin(), relay.idle.end(), conn) == relay.idle.end()) {
    relay.idle.push_back(conn);
  }
  return Next::wait;
}

bool Pool::Impl::leave_idle(Relay& relay, const Connection* conn) {
  std::lock_guard lock(mu);
  auto it = std::find_if(relay.idle.begin(), relay.idle.end(),
                         [&](const auto& c) { return c.get() == conn; });
  if (it == relay.idle.end()) return false;
  relay.idle.erase(it);
  return true;
}

void Pool::Impl::connection_ready(Relay& relay) {
  std::lock_guard lock(mu);
  --relay.setting_up;
  ++relay.ready;
  relay.failures = 0;
  relay.last_error.clear();
}

void Pool::Impl::connection_failed(Relay& relay, const std::shared_ptr<Connection>& conn,
                                   const Error& why) {
  const std::string& reason = why.message;
  const bool configuration = is_configuration_failure(why);
  std::vector<Job> expired;
  {
    std::lock_guard lock(mu);
    connections.erase(conn);
    --relay.open;
    --relay.setting_up;
    ++relay.failures;
    relay.last_error = reason;
    if (relay.ready == 0 && !stopping) {
      // Nothing goes out through this relay now. Messages that waited as long as a
      // connection may take are given up on; the others move to relays that are up.
      // A configuration failure will not go away by waiting: with no relay up, its
      // messages are given up on at once.
      const auto now = SteadyClock::now();
      for (auto it = relay.queue.begin(); it != relay.queue.end();) {
        if (now - it->queued_at >= options.timeouts.connect) {
          expired.push_back(std::move(*it));
          it = relay.queue.erase(it);
        } else {
          ++it;
        }
      }
      while (!relay.queue.empty()) {
        Relay* other = choose_relay({&relay}, true);
        if (other == nullptr) break;
        Job job = std::move(relay.queue.front());
        relay.queue.pop_front();
        enqueue(*other, std::move(job), false);
      }
      if (configuration) {
        for (auto& job : relay.queue) expired.push_back(std::move(job));
        relay.queue.clear();
      }
    }
    if (!relay.queue.empty() && !stopping) schedule_retry(relay);
    connection_gone();
  }
  for (auto& job : expired) {
    if (configuration) {
      complete(job, {transport::DeliveryResult::Kind::deferred, 0, reason, true});
    } else {
      complete(job, {transport::DeliveryResult::Kind::deferred, 0, "no connection: " + reason});
    }
  }
}

void Pool::Impl::connection_closed(Relay& relay, const std::shared_ptr<Connection>& conn) {
  std::lock_guard lock(mu);
  connections.erase(conn);
  std::erase(relay.idle, conn);
  --relay.open;
  --relay.ready;
  kick(relay);
  connection_gone();
}

void Pool::Impl::retry_or_complete(Relay& relay, Job job, transport::DeliveryResult result) {
  {
    std::lock_guard lock(mu);
    if (stopping) {
      // Its body never left: it cannot have been delivered, and stopping is no attempt.
      result = not_sent(result.reply);
    } else if (job.tries == 0) {
      ++job.tries;
      enqueue(relay, std::move(job), true);
      return;
    }
  }
  complete(job, std::move(result));
}

void Pool::Impl::too_large(Relay& relay, Job job, std::uint64_t size, std::uint64_t limit) {
  job.too_large_for.push_back(&relay);
  if (!job.size_limits.empty()) job.size_limits += ", ";
  job.size_limits += fmt::format("{} {} bytes", relay.name, limit);
  bool stopped_first = false;
  {
    std::lock_guard lock(mu);
    stopped_first = stopping;
    Relay* other = stopping ? nullptr : choose_relay(job.too_large_for);
    if (other != nullptr) {
      enqueue(*other, std::move(job), false);
      return;
    }
  }
  if (stopped_first) {
    complete(job, not_sent("the SMTP pool stopped first"));
  } else if (job.too_large_for.size() == 1) {
    complete(job, {transport::DeliveryResult::Kind::failed, 0,
                   fmt::format("{}: message of {} bytes is larger than the relay's limit of {} "
                               "bytes (SIZE)",
                               relay.name, size, limit)});
  } else {
    complete(job, {transport::DeliveryResult::Kind::failed, 0,
                   fmt::format("message of {} bytes is larger than every relay's limit (SIZE): {}",
                               size, job.size_limits)});
  }
}

}  // namespace broadsheet::smtp
