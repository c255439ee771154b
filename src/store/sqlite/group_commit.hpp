// Group commit: many threads' writes made durable by one commit.
//
// Each caller queues its request and waits. A caller that finds no batch in progress
// becomes the leader: it takes up to `max_batch` queued requests (oldest first), runs
// them together (one transaction, one sync), records each one's outcome and wakes the
// callers of that batch. Requests that arrive meanwhile wait for the next batch; when a
// batch ends, the leader hands the lead to the oldest queued caller (if any), whose
// request is therefore always in the batch it leads. So under load the cost of the sync
// is shared by everyone queued during the previous one, and alone a request costs one
// commit, as without grouping.
//
// A batch wakes only its own callers and the next leader, each through its own
// semaphore: a caller still queued sleeps until its request is done or it is to lead.
// (Waking every waiter after each batch cost a sixth of a sign-up's CPU at 64 callers.)
//
// The queue holds only callers that are waiting, so it is as long as the number of
// threads calling, no longer. No thread of its own: leaders are callers.
// Thread-safe. Not reentrant: the batch runner must not submit to the same GroupCommit.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <semaphore>
#include <span>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace broadsheet::store::sqlite {

template <typename Request, typename Outcome>
class GroupCommit {
 public:
  // One queued request. The batch runner sets `outcome` for every job it is given.
  struct Job {
    const Request& request;
    std::optional<Result<Outcome>> outcome;
    // Set under the GroupCommit's mutex by the batch that ran this job, before `wake`;
    // the owner reads it after `wake` (the semaphore orders the two).
    bool done = false;
    // Released once for each time the owner waits: when the job is done, or when the
    // owner is to lead the next batch. Only the owner acquires it.
    std::binary_semaphore wake{0};
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
    if (leading_) {
      lock.unlock();
      job.wake.acquire();
      if (job.done) return std::move(*job.outcome);
      // Handed the lead: `leading_` stayed true for us, so nobody has taken from the
      // queue since, and our job is its oldest.
      lock.lock();
    }
    leading_ = true;
    std::vector<Job*> batch = take();  // holds our job: it was the oldest queued
    ++batches_;
    lock.unlock();
    {
      // Even if run_batch throws (a bug), the batch ends and its callers and the next
      // leader are woken.
      EndBatch end{*this, batch, &job};
      run_batch(Batch(batch));
    }
    return std::move(*job.outcome);
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
  // Ends a led batch on scope exit: marks its jobs done, hands the lead to the oldest
  // queued caller, then wakes that caller and the batch's callers other than the leader.
  // The wakes come after the unlock, so a woken caller does not wait for the mutex; no
  // job is touched after its wake, since its owner may return and destroy it.
  struct EndBatch {
    GroupCommit& group;
    const std::vector<Job*>& batch;
    const Job* leader;
    ~EndBatch() {
      Job* next = nullptr;
      {
        std::lock_guard lock(group.mutex_);
        for (Job* j : batch) {
          if (!j->outcome) {
            j->outcome =
                make_error(Errc::internal, "the batch ended without this request's outcome");
          }
          j->done = true;
        }
        if (group.queue_.empty()) {
          group.leading_ = false;
        } else {
          next = group.queue_.front();
        }
      }
      if (next) next->wake.release();
      for (Job* j : batch) {
        if (j != leader) j->wake.release();
      }
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
  std::deque<Job*> queue_;
  bool leading_ = false;  // a batch runs, or its lead has been handed to queue_.front()
  std::uint64_t batches_ = 0;
};

}  // namespace broadsheet::store::sqlite
