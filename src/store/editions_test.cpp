// Editions skipped on every backend (testing/backends.hpp): recorded once with the
// first reason and its audit entry in the same transaction, read back by date range.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class EditionsTest : public testing::BackendTest {};

TEST_P(EditionsTest, AnEditionIsSkippedOnceWithItsAuditEntry) {
  auto& store = open();
  Newsletter n = newsletter("morning");
  auto first = store.skip_edition(n.id, "2026-12-07", "no new articles since 06:00", 1000);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(*first);
  auto again = store.skip_edition(n.id, "2026-12-07", "not approved by 05:00", 2000);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(*again);
  ASSERT_TRUE(store.skip_edition(n.id, "2026-12-09", "not approved by 05:00", 3000).ok());

  auto skips = store.edition_skips(n.id, "2026-12-01", "2026-12-08");
  ASSERT_TRUE(skips.ok()) << skips.error().message;
  ASSERT_EQ(skips->size(), 1u);
  EXPECT_EQ((*skips)[0].edition, "2026-12-07");
  EXPECT_EQ((*skips)[0].reason, "no new articles since 06:00");
  EXPECT_EQ((*skips)[0].skipped_at, 1000);
  EXPECT_EQ(store.edition_skips(n.id, "2026-12-07", "2026-12-09")->size(), 2u);

  auto log = store.recent_audit(10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[1].actor, "system");
  EXPECT_EQ((*log)[1].action, "edition.skipped");
  EXPECT_EQ((*log)[1].subject, "morning:2026-12-07");
  EXPECT_EQ((*log)[1].detail, "no new articles since 06:00");
  EXPECT_EQ((*log)[1].at, 1000);
}

TEST_P(EditionsTest, SkippingAnEditionOfNoNewsletterIsNotFound) {
  auto& store = open();
  auto s = store.skip_edition(42, "2026-12-07", "no new articles", 1000);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::not_found);
  EXPECT_EQ(s.error().message, "no newsletter with id 42");
  EXPECT_TRUE(store.recent_audit(10)->empty());
}

BROADSHEET_ON_EVERY_BACKEND(EditionsTest);

}  // namespace
}  // namespace broadsheet::store
