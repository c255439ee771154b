// Group commit: many threads' writes made durable by one commit.
//
// Each caller queues its request and waits. A caller that finds no batch in progress
// becomes the leader: it takes up to `max_batch` queued requests (oldest first), runs
// them together (one transaction, one sync), records each one's outcome and wakes the
// waiters. Requests that arrive meanwhile wait for the next batch, which one of them
// leads. So under load the cost of the sync is shared by everyone queued during the
// previous one, and alone a request costs one commit, as without grouping.
//
// The queue holds only callers that are waiting, so it is as long as the number of
// threads calling, no longer. No thread of its own: leaders are callers.
// Thread-safe. Not reentrant: the batch runner must not submit to the same GroupCommit.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace broadsheet::sqlite {

template <typename Request, typename Outcome>
class GroupCommit {
 public:
  // One queued request. The batch runner sets `outcome` for every job it is given.
  struct Job {
    const Request& request;
    std::optional<Result<Outcome>> outcome;
    bool done = false;  // guarded by the GroupCommit's mutex
  };
  using Batch = std::span<Job* const>;

  // REQUIRES: max_batch > 0
  explicit GroupCommit(std::size_t max_batch) : max_batch_(max_batch) {}

  // Runs `request` in a batch and returns its outcome. `run_batch(Batch)` is called by
  // whichever caller leads, on that caller's thread, with no lock held.
  template <typename RunBatch>
  Result<Outcome> submit(const Request& request, RunBatch&& run_batch) {
    Job job{request, std::nullopt};
    std::unique_lock lock(mutex_);
    queue_.push_back(&job);
    for (;;) {
      if (job.done) return std::move(*job.outcome);
      if (leading_) {
        wake_.wait(lock);
        continue;
      }
      // Lead one batch. It may not hold our own job when the queue is longer than a
      // batch; then the loop leads or waits again.
      std::vector<Job*> batch = take();
      leading_ = true;
      ++batches_;
      lock.unlock();
      {
        // Even if run_batch throws (a bug), the batch ends and the others are woken.
        EndBatch end{*this, lock, batch};
        run_batch(Batch(batch));
      }
    }
  }

  // How many batches have been led (each one commit). For tests and metrics.
  std::uint64_t batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  // How many callers are queued and not yet in a batch. For tests.
  std::size_t waiting() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }

 private:
  // Ends a led batch on scope exit: marks its jobs done and lets the next leader in.
  struct EndBatch {
    GroupCommit& group;
    std::unique_lock<std::mutex>& lock;
    const std::vector<Job*>& batch;
    ~EndBatch() {
      lock.lock();
      for (Job* j : batch) {
        if (!j->outcome) {
          j->outcome = make_error(Errc::internal, "the batch ended without this request's outcome");
        }
        j->done = true;
      }
      group.leading_ = false;
      group.wake_.notify_all();
    }
  };

  std::vector<Job*> take() {
    std::size_t n = std::min(queue_.size(), max_batch_);
    std::vector<Job*> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    return batch;
  }

  const std::size_t max_batch_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job*> queue_;
  bool leading_ = false;
  std::uint64_t batches_ = 0;
};

}  // namespace broadsheet::sqlite
