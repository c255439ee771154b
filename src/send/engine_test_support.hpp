// For the send tests: messages that name their reader, so a test can tell who got what.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "send/engine.hpp"
#include "store/store.hpp"

namespace broadsheet::send::testing {

class PlainMessages : public IssueMessages {
 public:
  Result<std::string> message_for(Id issue_id, const store::PendingDelivery& r) const override {
    return "From: desk@example.org\r\nTo: " + r.email + "\r\nSubject: issue " +
           std::to_string(issue_id) + "\r\n\r\nHello " + r.name + "\r\n";
  }
  std::string mail_from(Id, const store::PendingDelivery&) const override {
    return "bounces@example.org";
  }
};

inline IssueMessagesFactory plain() {
  return [](const Issue&) -> Result<std::unique_ptr<IssueMessages>> {
    return std::unique_ptr<IssueMessages>(new PlainMessages);
  };
}

// A fresh SQLite store in its own folder (named by `prefix` and the test) with one
// newsletter, "morning"; removed after the test.
class StoreFixture : public ::testing::Test {
 protected:
  explicit StoreFixture(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           (prefix_ + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = store::open_store("sqlite:test.db", dir_.string(), clock_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    Newsletter n;
    n.slug = "morning";
    n.name = "Morning";
    newsletter_ = *store_->add_newsletter(n);
  }
  // The store in the roles the engine takes.
  SendEngine::Roles engine_roles() { return {*store_, *store_, *store_}; }

  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string prefix_;
  std::filesystem::path dir_;
  SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  Newsletter newsletter_;
};

}  // namespace broadsheet::send::testing
