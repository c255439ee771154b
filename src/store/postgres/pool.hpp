// A pool of PostgreSQL connections, each with every named query prepared.
//
// A caller holds one connection for the length of one store method (Lease). Connections
// open as they are needed, up to `size`; a caller waits while all are lent. A connection
// that lost its server is dropped when it comes back, and the next lease opens a new
// one, so a restarted database server costs the requests in flight, not the process.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/named_queries.hpp"
#include "store/postgres/connection.hpp"

namespace broadsheet::store::postgres {

class Pool {
 public:
  // `first`: a connection already open and prepared (the one that migrated).
  Pool(std::string conninfo, std::string password, NamedQueries queries, std::size_t size,
       std::unique_ptr<Connection> first);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> c) : pool_(&pool), c_(std::move(c)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ && c_) pool_->give_back(std::move(c_));
    }
    Connection& operator*() const { return *c_; }
    Connection* operator->() const { return c_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> c_;
  };

  // A connection for the caller alone until the Lease ends. Errc::database when a new
  // connection was needed and could not be opened or prepared.
  Result<Lease> lease();

  const NamedQueries& queries() const { return queries_; }
  std::size_t size() const { return size_; }

 private:
  void give_back(std::unique_ptr<Connection> c);

  const std::string conninfo_;
  const std::string password_;
  const NamedQueries queries_;
  const std::size_t size_;
  std::mutex mutex_;
  std::condition_variable idle_cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // lent + idle
};

}  // namespace broadsheet::store::postgres
