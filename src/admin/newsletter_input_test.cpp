// A newsletter's fields checked once for the CLI and the API: each field's rule, the
// name the caller knows it by in every message, and the next editions shown.
#include "admin/newsletter_input.hpp"

#include <gtest/gtest.h>

namespace broadsheet::admin {
namespace {

TEST(NewsletterInput, EveryFieldIsChecked) {
  NewsletterFields f;
  f.name = "Morning";
  f.schedule = "mon-fri 06:00 local";
  f.from = "Desk <desk@news.example.com>";
  f.opt_in = "single";
  f.default_timezone = "europe/paris";
  f.draft_items = 7;
  f.draft_sections = "World, Business";
  f.draft_lead = "2h";
  f.on_cutoff = "send";
  auto u = check_newsletter_fields(f, json_name);
  ASSERT_TRUE(u.ok()) << u.error().message;
  EXPECT_EQ(*u->from_name, "Desk");
  EXPECT_EQ(*u->from_address, "desk@news.example.com");
  EXPECT_EQ(*u->opt_in, OptIn::single_opt_in);
  EXPECT_EQ(*u->default_timezone, "Europe/Paris");
  EXPECT_EQ(*u->draft_sections, (std::vector<std::string>{"World", "Business"}));
  EXPECT_EQ(*u->draft_lead, 7200);
  EXPECT_EQ(*u->on_cutoff, OnCutoff::send);
  EXPECT_FALSE(u->description.has_value());
}

TEST(NewsletterInput, MessagesNameTheFieldAsTheCallerSpellsIt) {
  NewsletterFields f;
  f.draft_items = 51;
  EXPECT_EQ(check_newsletter_fields(f, flag_name).error().message,
            "--draft-items: from 1 to 50 articles");
  EXPECT_EQ(check_newsletter_fields(f, json_name).error().message,
            "\"draft_items\": from 1 to 50 articles");
  NewsletterFields g;
  g.name = "";
  EXPECT_EQ(check_newsletter_fields(g, flag_name).error().message, "--name must not be empty");
  NewsletterFields h;
  h.on_cutoff = "later";
  EXPECT_NE(check_newsletter_fields(h, json_name).error().message.find("\"on_cutoff\""),
            std::string::npos);
}

TEST(NewsletterInput, ANewNewsletterTakesTheDefaults) {
  store::NewsletterUpdate u;
  u.name = "Morning";
  auto n = new_newsletter("morning", u, json_name);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->schedule, "manual");
  EXPECT_TRUE(n->is_public);
  EXPECT_EQ(n->opt_in, OptIn::double_opt_in);
  EXPECT_FALSE(new_newsletter("Not A Slug", u, json_name).ok());
  EXPECT_FALSE(new_newsletter("morning", {}, json_name).ok());
}

TEST(NewsletterInput, DraftsFromFeedsNeedEditions) {
  Newsletter n;
  n.slug = "morning";
  n.schedule = "manual";
  store::NewsletterUpdate on;
  on.draft_from_feeds = true;
  EXPECT_FALSE(check_drafting_schedule(n, on, json_name).ok());
  on.schedule = "mon 06:00 UTC";
  EXPECT_TRUE(check_drafting_schedule(n, on, json_name).ok());
}

TEST(NewsletterInput, NextEditionsFollowTheSchedule) {
  Newsletter n;
  n.schedule = "sat 08:00 UTC";
  // 2026-12-07 is a Monday.
  auto days = next_editions(n, 1'796'601'600, 3);
  EXPECT_EQ(days, (std::vector<std::string>{"2026-12-12", "2026-12-19", "2026-12-26"}));
  n.schedule = "manual";
  EXPECT_TRUE(next_editions(n, 1'796'601'600, 3).empty());
}

}  // namespace
}  // namespace broadsheet::admin
