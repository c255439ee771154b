// Node locks and heartbeats on every backend (testing/backends.hpp): one holder of a
// lock at a time, handed over when its lease runs out; the nodes alive are the recent
// heartbeats. (The delivery log's leases are in sqlite/sqlite_leases_test.cpp.)
#include <gtest/gtest.h>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class NodeLocksTest : public testing::BackendTest {};

TEST_P(NodeLocksTest, OneHolderOfALockAtATimeHandedOverWhenItRunsOut) {
  open();
  const UnixSeconds t = clock_.now();
  EXPECT_TRUE(*store_->hold_lock("scheduler", "node-a", t, t + 15));
  EXPECT_FALSE(*store_->hold_lock("scheduler", "node-b", t, t + 15));
  EXPECT_TRUE(*store_->hold_lock("scheduler", "node-a", t + 5, t + 20));  // renewed
  EXPECT_FALSE(*store_->hold_lock("scheduler", "node-b", t + 20, t + 35));
  auto holder = store_->lock_holder("scheduler");
  ASSERT_TRUE(holder.ok() && holder->has_value());
  EXPECT_EQ((*holder)->owner, "node-a");
  EXPECT_EQ((*holder)->until, t + 20);
  EXPECT_TRUE(*store_->hold_lock("scheduler", "node-b", t + 21, t + 36));  // node-a died
  EXPECT_FALSE(*store_->hold_lock("scheduler", "node-a", t + 22, t + 37));
  ASSERT_TRUE(store_->release_lock("scheduler", "node-a").ok());  // not its: no effect
  EXPECT_FALSE(*store_->hold_lock("scheduler", "node-a", t + 22, t + 37));
  ASSERT_TRUE(store_->release_lock("scheduler", "node-b").ok());
  EXPECT_TRUE(*store_->hold_lock("scheduler", "node-a", t + 22, t + 37));
  EXPECT_TRUE(*store_->hold_lock("other", "node-b", t + 22, t + 37));  // locks are apart
}

TEST_P(NodeLocksTest, NodesAliveAreTheRecentHeartbeats) {
  open();
  const UnixSeconds t = clock_.now();
  ASSERT_TRUE(store_->node_heartbeat("node-a", "sender", t).ok());
  ASSERT_TRUE(store_->node_heartbeat("node-b", "web,sender", t + 10).ok());
  auto seen = store_->live_nodes(t + 5);
  ASSERT_TRUE(seen.ok());
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ((*seen)[0].owner, "node-b");
  EXPECT_EQ((*seen)[0].roles, "web,sender");
  ASSERT_TRUE(store_->node_gone("node-b").ok());
  EXPECT_TRUE(store_->live_nodes(t)->size() == 1u);
}

BROADSHEET_ON_EVERY_BACKEND(NodeLocksTest);

}  // namespace
}  // namespace broadsheet::store
