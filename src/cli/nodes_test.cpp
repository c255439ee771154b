// `serve --role` and the node's beacon (cli/nodes.hpp), on a fake clock over a real
// SQLite database shared by two beacons, as two nodes would share it.
#include "cli/nodes.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/store.hpp"

namespace broadsheet::cli {
namespace {

TEST(NodeRolesParse, NamesAListOrAll) {
  auto all = parse_roles("all");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->text(), "web,sender,scheduler");
  auto two = parse_roles("sender, scheduler");
  ASSERT_TRUE(two.ok());
  EXPECT_FALSE(two->web);
  EXPECT_EQ(two->names(), (std::vector<std::string>{"sender", "scheduler"}));
  EXPECT_EQ(parse_roles("web")->text(), "web");
  for (const char* bad : {"", "webb", "web,,sender", "web,web", "all,web"}) {
    auto r = parse_roles(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
    EXPECT_NE(r.error().message.find("--role"), std::string::npos) << r.error().message;
  }
  EXPECT_NE(parse_roles("webb").error().message.find("unknown role 'webb'"), std::string::npos);
}

class NodeBeaconTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bs-nodes-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = store::open_store("sqlite:test.db", dir_.string(), clock_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  NodeBeacon::Options node(const std::string& owner, const char* roles) {
    return {owner, *parse_roles(roles), 15, std::chrono::milliseconds(2000)};
  }

  std::filesystem::path dir_;
  FakeClock clock_{1'700'000'000};
  std::unique_ptr<store::Store> store_;
};

TEST_F(NodeBeaconTest, OneSchedulerAtATimeAndTheLockPassesWhenItsHolderStopsBeating) {
  NodeBeacon a(*store_, node("node-a", "scheduler"), clock_);
  NodeBeacon b(*store_, node("node-b", "all"), clock_);
  NodeBeacon web(*store_, node("node-w", "web"), clock_);
  a.beat();
  b.beat();
  web.beat();
  EXPECT_TRUE(a.holds_scheduler());
  EXPECT_FALSE(b.holds_scheduler());
  EXPECT_FALSE(web.holds_scheduler());
  for (int k = 0; k < 5; ++k) {  // a renews every beat; b keeps asking
    clock_.advance(2);
    a.beat();
    b.beat();
    EXPECT_TRUE(a.holds_scheduler());
    EXPECT_FALSE(b.holds_scheduler());
  }
  // node-a dies: its lease runs out 15 s after its last beat. Until then nobody steps
  // but a, whose own view stops it a third of a lease early.
  clock_.advance(11);
  EXPECT_FALSE(a.holds_scheduler());
  b.beat();
  EXPECT_FALSE(b.holds_scheduler());
  clock_.advance(5);
  b.beat();
  EXPECT_TRUE(b.holds_scheduler());
  a.beat();  // a comes back: the lock is b's now
  EXPECT_FALSE(a.holds_scheduler());
}

TEST_F(NodeBeaconTest, ADeadHolderOnThisHostHandsOverAtOnce) {
  NodeBeacon a(*store_, node("node-a", "scheduler"), clock_);
  a.beat();
  NodeBeacon b(*store_, node("node-b", "scheduler"), clock_,
               [](const std::string& owner) { return owner == "node-a"; });
  b.beat();
  EXPECT_TRUE(b.holds_scheduler());
}

TEST_F(NodeBeaconTest, SenderNodesAliveShareTheLimits) {
  NodeBeacon a(*store_, node("node-a", "sender"), clock_);
  NodeBeacon b(*store_, node("node-b", "web,sender"), clock_);
  NodeBeacon w(*store_, node("node-w", "web,scheduler"), clock_);
  a.beat();
  EXPECT_EQ(a.sender_nodes(), 1);
  b.beat();
  w.beat();
  a.beat();
  EXPECT_EQ(a.sender_nodes(), 2);
  EXPECT_EQ(w.sender_nodes(), 2);
  clock_.advance(20);  // b stops beating (dead): after the window, a is alone again
  a.beat();
  EXPECT_EQ(a.sender_nodes(), 1);
}

}  // namespace
}  // namespace broadsheet::cli
