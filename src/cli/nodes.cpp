#include "cli/nodes.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>


namespace broadsheet::cli {

std::vector<std::string> NodeRoles::names() const {
  std::vector<std::string> out;
  if (web) out.emplace_back("web");
  if (sender) out.emplace_back("sender");
  if (scheduler) out.emplace_back("scheduler");
  return out;
}

std::string NodeRoles::text() const {
  std::string out;
  for (const auto& n : names()) out += (out.empty() ? "" : ",") + n;
  return out;
}

Result<NodeRoles> parse_roles(std::string_view text) {
  constexpr const char* kExpected = "web, sender, scheduler, a comma list of them, or all";
  NodeRoles roles{false, false, false};
  bool any = false, all = false;
  while (true) {
    const std::size_t comma = text.find(',');
    std::string_view name = text.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    bool* role = name == "web"         ? &roles.web
                 : name == "sender"    ? &roles.sender
                 : name == "scheduler" ? &roles.scheduler
                                       : nullptr;
    if (name == "all") {
      all = true;
    } else if (role == nullptr) {
      return make_error(Errc::invalid_argument,
                        name.empty() ? fmt::format("--role: a role is empty; expected {}", kExpected)
                                     : fmt::format("--role: unknown role '{}'; expected {}",
                                                   name.substr(0, 40), kExpected));
    } else if (*role) {
      return make_error(Errc::invalid_argument,
                        fmt::format("--role: '{}' is named twice", name));
    } else {
      *role = true;
    }
    any = true;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (all && (roles.web || roles.sender || roles.scheduler)) {
    return make_error(Errc::invalid_argument, "--role: 'all' already names every role");
  }
  if (all || !any) return NodeRoles{};
  return roles;
}

NodeBeacon::NodeBeacon(store::NodeLocks& locks, Options options, const Clock& clock,
                       std::function<bool(const std::string&)> holder_is_dead)
    : locks_(locks),
      options_(std::move(options)),
      clock_(clock),
      holder_is_dead_(std::move(holder_is_dead)) {}

NodeBeacon::~NodeBeacon() { stop(); }

bool NodeBeacon::holds_scheduler() const {
  const UnixSeconds until = scheduler_until_.load();
  const UnixSeconds margin = std::max(1, options_.lock_seconds / 3);
  return until != 0 && clock_.now() + margin <= until;
}

void NodeBeacon::hold_scheduler(UnixSeconds now) {
  const UnixSeconds until = now + options_.lock_seconds;
  auto held = locks_.hold_lock(kSchedulerLock, options_.owner, now, until);
  if (held && !*held && holder_is_dead_) {
    // Its holder was killed on this host: no need to wait for its lease.
    auto holder = locks_.lock_holder(kSchedulerLock);
    if (holder && *holder && (*holder)->owner != options_.owner &&
        holder_is_dead_((*holder)->owner)) {
      spdlog::info("schedule: the scheduler's holder {} is gone; taking over", (*holder)->owner);
      (void)locks_.release_lock(kSchedulerLock, (*holder)->owner);
      held = locks_.hold_lock(kSchedulerLock, options_.owner, now, until);
    }
  }
  if (!held) {
    // Held on, at most until the lease last written runs out (holds_scheduler()).
    spdlog::warn("schedule: cannot renew the scheduler's lock: {}", held.error().message);
    return;
  }
  const bool had = scheduler_until_.load() != 0;
  if (*held) {
    scheduler_until_ = until;
    if (!had) spdlog::info("schedule: this node runs the scheduler ({})", options_.owner);
  } else {
    scheduler_until_ = 0;
    if (had) spdlog::warn("schedule: another node holds the scheduler's lock now");
  }
}

void NodeBeacon::beat() {
  const UnixSeconds now = clock_.now();
  if (options_.roles.scheduler) hold_scheduler(now);
  if (auto s = locks_.node_heartbeat(options_.owner, options_.roles.text(), now); !s) {
    spdlog::warn("nodes: cannot record this node's heartbeat: {}", s.error().message);
  }
  // Alive: seen within three beats (at least the scheduler's lease).
  const auto every = std::chrono::duration_cast<std::chrono::seconds>(options_.every).count();
  const UnixSeconds window = std::max<UnixSeconds>(3 * std::max<UnixSeconds>(1, every),
                                                    options_.lock_seconds);
  auto nodes = locks_.live_nodes(0);
  if (!nodes) return;
  int senders = 0;
  for (const auto& n : *nodes) {
    if (n.owner != options_.owner && holder_is_dead_ && holder_is_dead_(n.owner)) {
      // Killed on this host: its leases need not run out before others take its work.
      spdlog::info("nodes: {} is gone; its leases are freed", n.owner);
      (void)locks_.node_gone(n.owner);
      continue;
    }
    if (n.seen_at < now - window) continue;
    if (("," + n.roles + ",").find(",sender,") != std::string::npos) ++senders;
  }
  senders_ = std::max(1, senders);
}

void NodeBeacon::start() {
  beat();
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, options_.every, [this] { return stopping_; })) {
      lock.unlock();
      beat();
      lock.lock();
    }
  });
}

void NodeBeacon::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (!thread_.joinable()) return;
  thread_.join();
  if (scheduler_until_.exchange(0) != 0) {
    (void)locks_.release_lock(kSchedulerLock, options_.owner);
  }
  (void)locks_.node_gone(options_.owner);
}

}  // namespace broadsheet::cli
