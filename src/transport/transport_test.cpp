// The transport interface's own helpers: a batch of one, and waiting for a batch whose
// results come back out of order on other threads, as the SMTP pool's do.
#include "transport/transport.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace broadsheet::transport {
namespace {

// Completes each message on a thread of its own, the last of the batch first; the
// reply names the recipient.
class ThreadedTransport final : public Transport {
 public:
  ~ThreadedTransport() override {
    for (auto& t : threads_) t.join();
  }
  void submit(std::vector<Mail> batch, Completion done) override {
    for (std::size_t i = batch.size(); i-- > 0;) {
      threads_.emplace_back([i, done, rcpt = batch[i].envelope.rcpt_to] {
        std::this_thread::sleep_for(std::chrono::milliseconds(2 * (5 - static_cast<int>(i % 5))));
        done(i, {rcpt.starts_with("bad") ? DeliveryResult::Kind::failed
                                         : DeliveryResult::Kind::delivered,
                 250, "250 " + rcpt});
      });
    }
  }

 private:
  std::vector<std::thread> threads_;
};

std::vector<Mail> batch_of(std::initializer_list<const char*> recipients) {
  std::vector<Mail> batch;
  auto message = std::make_shared<const std::string>("Subject: x\r\n\r\nx\r\n");
  for (const char* r : recipients) batch.push_back({{"desk@example.org", r}, message});
  return batch;
}

TEST(TransportTest, SendAndWaitReturnsEachResultAtItsIndex) {
  ThreadedTransport transport;
  auto results = send_and_wait(transport, batch_of({"a@x.example", "bad@x.example", "c@x.example",
                                                    "d@x.example", "e@x.example", "f@x.example"}));
  ASSERT_EQ(results.size(), 6u);
  const char* want[] = {"a", "bad", "c", "d", "e", "f"};
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].reply, std::string("250 ") + want[i] + "@x.example");
    EXPECT_EQ(results[i].kind,
              i == 1 ? DeliveryResult::Kind::failed : DeliveryResult::Kind::delivered);
  }
}

TEST(TransportTest, SendAndWaitOfNothingReturnsAtOnce) {
  ThreadedTransport transport;
  EXPECT_TRUE(send_and_wait(transport, {}).empty());
}

TEST(TransportTest, SubmitOneCallsItsCallbackOnce) {
  ThreadedTransport transport;
  std::atomic<int> calls{0};
  std::string reply;
  transport.submit_one(batch_of({"a@x.example"}).front(), [&](DeliveryResult r) {
    reply = r.reply;
    ++calls;
  });
  for (int i = 0; i < 1000 && calls.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(reply, "250 a@x.example");
}

}  // namespace
}  // namespace broadsheet::transport
