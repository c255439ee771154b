#include "transport/transport.hpp"

#include <condition_variable>
#include <mutex>
#include <utility>

namespace broadsheet::transport {

void Transport::submit_one(Mail mail, std::function<void(DeliveryResult)> done) {
  std::vector<Mail> batch;
  batch.push_back(std::move(mail));
  submit(std::move(batch),
         [done = std::move(done)](std::size_t, DeliveryResult result) { done(std::move(result)); });
}

std::vector<DeliveryResult> send_and_wait(Transport& transport, std::vector<Mail> batch) {
  // Shared with the completions, which may outlive this call by the moment between
  // their last notify and their return.
  struct Waiting {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<DeliveryResult> results;
    std::size_t left = 0;
  };
  auto waiting = std::make_shared<Waiting>();
  waiting->results.resize(batch.size());
  waiting->left = batch.size();
  if (batch.empty()) return {};
  transport.submit(std::move(batch), [waiting](std::size_t index, DeliveryResult result) {
    std::lock_guard lock(waiting->mu);
    waiting->results[index] = std::move(result);
    if (--waiting->left == 0) waiting->cv.notify_all();
  });
  std::unique_lock lock(waiting->mu);
  waiting->cv.wait(lock, [&] { return waiting->left == 0; });
  return std::move(waiting->results);
}

}  // namespace broadsheet::transport
