#include "desk/preview_frames.hpp"

#include <gtest/gtest.h>

#include <set>

namespace broadsheet::desk {
namespace {

TEST(PreviewFrames, KeepsEachPreviewForItsUserAndForAWhile) {
  FakeClock clock(1'700'000'000);
  PreviewFrames frames(clock);
  const std::string key = frames.put("ed", "<p>Hello</p>");
  EXPECT_EQ(key.size(), 32u);
  EXPECT_EQ(frames.get("ed", key), "<p>Hello</p>");
  EXPECT_EQ(frames.get("vera", key), std::nullopt);  // another user's key finds nothing
  EXPECT_EQ(frames.get("ed", std::string(32, '0')), std::nullopt);
  clock.advance(kFrameLifetime);
  EXPECT_TRUE(frames.get("ed", key).has_value());
  clock.advance(1);
  EXPECT_EQ(frames.get("ed", key), std::nullopt);
}

TEST(PreviewFrames, HoldsAtMostItsBoundOldestDroppedFirst) {
  FakeClock clock(1'700'000'000);
  PreviewFrames frames(clock);
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < kMaxFrames + 3; ++i)
    keys.push_back(frames.put("ed", std::to_string(i)));
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), keys.size());
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(frames.get("ed", keys[i]), std::nullopt);
  for (std::size_t i = 3; i < keys.size(); ++i)
    EXPECT_EQ(frames.get("ed", keys[i]), std::to_string(i));
}

}  // namespace
}  // namespace broadsheet::desk
