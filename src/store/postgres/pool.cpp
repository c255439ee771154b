#include "store/postgres/pool.hpp"

namespace broadsheet::store::postgres {

Pool::Pool(std::string conninfo, std::string password, NamedQueries queries, std::size_t size,
           std::unique_ptr<Connection> first)
    : conninfo_(std::move(conninfo)),
      password_(std::move(password)),
      queries_(std::move(queries)), size_(size < 1 ? 1 : size) {
  if (first) {
    idle_.push_back(std::move(first));
    open_ = 1;
  }
}

Result<Pool::Lease> Pool::lease() {
  {
    std::unique_lock lock(mutex_);
    idle_cv_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(c));
    }
    ++open_;  // a place for the connection opened below, outside the lock
  }
  auto c = Connection::open(conninfo_, password_);
  Status prepared = c ? (*c)->prepare_all(queries_) : Status(c.error());
  if (!prepared) {
    std::lock_guard lock(mutex_);
    --open_;
    idle_cv_.notify_one();
    return prepared.error();
  }
  return Lease(*this, std::move(*c));
}

void Pool::give_back(std::unique_ptr<Connection> c) {
  std::lock_guard lock(mutex_);
  if (c->healthy()) {
    idle_.push_back(std::move(c));
  } else {
    --open_;  // dropped: the next lease opens a new one
  }
  idle_cv_.notify_one();
}

}  // namespace broadsheet::store::postgres
