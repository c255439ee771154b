// The drafts maker over the real SQLite store on a fake clock: a draft made at the
// first release minus the lead from the articles since the previous edition, once; no
// articles: the edition skipped and recorded; the cutoff (send, hold, late); a local
// schedule's first release; `issue draft`'s refusals.
#include "drafts/maker.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "store/sqlite/test_support.hpp"

namespace broadsheet::drafts {
namespace {

// 2026-12-08 (a Tuesday) 00:00 UTC.
constexpr UnixSeconds kTuesday = 1'796'688'000;
constexpr UnixSeconds kHour = 3600;
constexpr UnixSeconds kMonday = kTuesday - 24 * kHour;

class MakerTest : public store::sqlite::testing::SqliteTest {
 protected:
  void SetUp() override {
    SqliteTest::SetUp();
    open();
    n_ = newsletter("morning");
    store::NewsletterUpdate u;
    u.schedule = "mon-fri 06:00 UTC";
    u.draft_from_feeds = true;
    u.draft_items = 2;
    u.draft_lead = 3 * kHour;
    n_ = *store_->update_newsletter("morning", u);
    store::Feed f;
    f.newsletter_id = n_.id;
    f.url = "https://news.example.org/feed";
    feed_ = store_->add_feed(f)->id;
  }

  MakerParts parts() {
    return MakerParts{*store_, *store_,       *store_, *store_,   *store_,
                      *store_, dir_.string(), "",      2 * kHour, {}};
  }

  void article(const std::string& title, UnixSeconds published, const std::string& section = "") {
    Article a;
    a.title = title;
    a.url = "https://news.example.org/" + std::to_string(published) + "/" + title;
    a.guid = a.url;
    a.section = section;
    a.published_at = published;
    ASSERT_TRUE(store_->add_feed_articles(feed_, {a}).ok());
  }

  DraftsDone step(UnixSeconds now) {
    auto r = make_due_drafts(parts(), now);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return {};
    for (const auto& w : r->warnings) ADD_FAILURE() << w;
    return *r;
  }

  std::optional<Issue> edition_issue(const std::string& edition) {
    auto i = store_->issue_of_edition(n_.id, edition);
    EXPECT_TRUE(i.ok());
    if (!i.ok() || !*i) return std::nullopt;
    return *store_->issue_by_id((*i)->id);
  }

  void set(const store::NewsletterUpdate& u) { n_ = *store_->update_newsletter("morning", u); }

  Newsletter n_;
  Id feed_ = 0;
};

TEST_F(MakerTest, MakesTheDraftAtTheFirstReleaseMinusTheLeadOnce) {
  article("Old news", kMonday + 2 * kHour);  // before Monday's draft instant (03:00)
  article("Markets rally", kMonday + 5 * kHour, "Business");
  article("Storm warning", kMonday + 20 * kHour, "World");
  article("Late story", kTuesday + 1 * kHour, "World");
  EXPECT_TRUE(step(kTuesday + 3 * kHour - 1).reports.empty());
  auto done = step(kTuesday + 3 * kHour);
  ASSERT_EQ(done.reports.size(), 1u);
  EXPECT_EQ(done.reports[0].outcome, DraftOutcome::made);
  EXPECT_EQ(done.reports[0].articles, 2u);
  auto draft = edition_issue("2026-12-08");
  ASSERT_TRUE(draft);
  EXPECT_EQ(draft->id, done.reports[0].issue_id);
  EXPECT_EQ(draft->status, IssueStatus::draft);
  EXPECT_EQ(draft->subject, "The morning: Tuesday 8 December 2026");
  // Two items, newest first: the older Business story and the one before Monday's
  // draft instant are left out.
  EXPECT_NE(draft->body_markdown.find("Late story"), std::string::npos);
  EXPECT_NE(draft->body_markdown.find("Storm warning"), std::string::npos);
  EXPECT_EQ(draft->body_markdown.find("Markets rally"), std::string::npos);
  EXPECT_EQ(draft->body_markdown.find("Old news"), std::string::npos);
  EXPECT_EQ(draft->preheader, "Late story · Storm warning");
  // Repeated: nothing more.
  EXPECT_TRUE(step(kTuesday + 3 * kHour).reports.empty());
  EXPECT_TRUE(step(kTuesday + 5 * kHour).reports.empty());
  EXPECT_EQ(scalar("SELECT count(*) FROM issues"), 1);
}

TEST_F(MakerTest, SectionsOrderTheDraft) {
  store::NewsletterUpdate u;
  u.draft_sections = std::vector<std::string>{"Business"};
  set(u);
  article("Markets rally", kMonday + 5 * kHour, "Business");
  article("Storm warning", kMonday + 20 * kHour, "World");
  article("Late story", kTuesday + 1 * kHour, "World");
  ASSERT_EQ(step(kTuesday + 4 * kHour).reports.size(), 1u);
  auto body = edition_issue("2026-12-08")->body_markdown;
  ASSERT_NE(body.find("Markets rally"), std::string::npos);
  EXPECT_LT(body.find("Markets rally"), body.find("Late story"));
  EXPECT_EQ(body.find("Storm warning"), std::string::npos);
}

TEST_F(MakerTest, NoNewArticlesSkipsTheEditionOnceWithTheReason) {
  article("Old news", kMonday + 2 * kHour);
  auto done = step(kTuesday + 3 * kHour);
  ASSERT_EQ(done.reports.size(), 1u);
  EXPECT_EQ(done.reports[0].outcome, DraftOutcome::no_articles);
  EXPECT_EQ(done.reports[0].reason, "no new articles since 2026-12-07T03:00:00Z");
  EXPECT_FALSE(edition_issue("2026-12-08"));
  auto skips = store_->edition_skips(n_.id, "2026-12-01", "2026-12-31");
  ASSERT_TRUE(skips.ok());
  ASSERT_EQ(skips->size(), 1u);
  EXPECT_EQ((*skips)[0].edition, "2026-12-08");
  EXPECT_EQ((*skips)[0].skipped_at, kTuesday + 3 * kHour);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'edition.skipped' AND "
                   "subject = 'morning:2026-12-08'"),
            1);
  // An article arriving later does not bring the skipped edition back.
  article("Too late", kTuesday + 4 * kHour);
  EXPECT_TRUE(step(kTuesday + 5 * kHour).reports.empty());
  EXPECT_TRUE(step(kTuesday + 7 * kHour).reports.empty());
  EXPECT_FALSE(edition_issue("2026-12-08"));
}

TEST_F(MakerTest, HoldSkipsTheEditionOfAnUnapprovedDraftAtTheFirstRelease) {
  article("Storm warning", kMonday + 20 * kHour);
  ASSERT_EQ(step(kTuesday + 3 * kHour).reports.size(), 1u);
  EXPECT_TRUE(step(kTuesday + 6 * kHour - 1).reports.empty());
  auto done = step(kTuesday + 6 * kHour);
  ASSERT_EQ(done.reports.size(), 1u);
  EXPECT_EQ(done.reports[0].outcome, DraftOutcome::held_at_cutoff);
  EXPECT_NE(done.reports[0].reason.find("not approved by the first release at "
                                        "2026-12-08T06:00:00Z (--on-cutoff hold)"),
            std::string::npos);
  EXPECT_EQ(edition_issue("2026-12-08")->status, IssueStatus::draft);
  EXPECT_TRUE(step(kTuesday + 6 * kHour).reports.empty());
  EXPECT_EQ(store_->edition_skips(n_.id, "2026-12-08", "2026-12-08")->size(), 1u);
}

TEST_F(MakerTest, SendSchedulesTheUnapprovedDraftAtTheFirstRelease) {
  store::NewsletterUpdate u;
  u.on_cutoff = OnCutoff::send;
  set(u);
  article("Storm warning", kMonday + 20 * kHour);
  ASSERT_EQ(step(kTuesday + 3 * kHour).reports.size(), 1u);
  auto done = step(kTuesday + 6 * kHour);
  ASSERT_EQ(done.reports.size(), 1u);
  EXPECT_EQ(done.reports[0].outcome, DraftOutcome::sent_at_cutoff);
  auto issue = edition_issue("2026-12-08");
  EXPECT_EQ(issue->status, IssueStatus::scheduled);
  EXPECT_EQ(issue->edition, "2026-12-08");
  EXPECT_TRUE(step(kTuesday + 6 * kHour).reports.empty());
  EXPECT_TRUE(store_->edition_skips(n_.id, "2026-12-08", "2026-12-08")->empty());
}

TEST_F(MakerTest, SendLaterThanTheLateWindowSkipsInstead) {
  store::NewsletterUpdate u;
  u.on_cutoff = OnCutoff::send;
  set(u);
  article("Storm warning", kMonday + 20 * kHour);
  ASSERT_EQ(step(kTuesday + 3 * kHour).reports.size(), 1u);
  auto done = step(kTuesday + 8 * kHour);
  ASSERT_EQ(done.reports.size(), 1u);
  EXPECT_EQ(done.reports[0].outcome, DraftOutcome::held_at_cutoff);
  EXPECT_NE(done.reports[0].reason.find("beyond the late window"), std::string::npos);
  EXPECT_EQ(edition_issue("2026-12-08")->status, IssueStatus::draft);
}

TEST_F(MakerTest, AnApprovedDraftIsLeftToTheReleases) {
  article("Storm warning", kMonday + 20 * kHour);
  ASSERT_EQ(step(kTuesday + 3 * kHour).reports.size(), 1u);
  auto issue = edition_issue("2026-12-08");
  store::IssueSchedule where;
  where.edition = "2026-12-08";
  ASSERT_TRUE(store_->schedule_issue(issue->id, where, "cli").ok());
  EXPECT_TRUE(step(kTuesday + 6 * kHour).reports.empty());
  EXPECT_TRUE(store_->edition_skips(n_.id, "2026-12-08", "2026-12-08")->empty());
}

TEST_F(MakerTest, DraftsOffMakesNothing) {
  store::NewsletterUpdate u;
  u.draft_from_feeds = false;
  set(u);
  article("Storm warning", kMonday + 20 * kHour);
  EXPECT_TRUE(step(kTuesday + 3 * kHour).reports.empty());
  EXPECT_TRUE(step(kTuesday + 6 * kHour).reports.empty());
  EXPECT_FALSE(edition_issue("2026-12-08"));
}

TEST_F(MakerTest, ALocalScheduleDraftsBeforeItsEarliestCohort) {
  store::NewsletterUpdate u;
  u.schedule = "mon-fri 06:00 local";
  set(u);
  Subscriber s = subscriber("tokyo@example.org");
  ASSERT_TRUE(store_->set_timezone(s.id, "Asia/Tokyo").ok());
  ASSERT_TRUE(store_->set_subscription(s.id, n_.id, SubscriptionStatus::confirmed, "t").ok());
  article("Storm warning", kMonday + 17 * kHour);
  // Tuesday 06:00 in Tokyo is Monday 21:00 UTC: the draft at 18:00.
  EXPECT_TRUE(step(kMonday + 18 * kHour - 1).reports.empty());
  auto done = step(kMonday + 18 * kHour);
  ASSERT_EQ(done.reports.size(), 1u);
  EXPECT_EQ(done.reports[0].edition, "2026-12-08");
}

TEST_F(MakerTest, ASecondIssueOfAnEditionIsRefusedByTheStore) {
  Issue i;
  i.newsletter_id = n_.id;
  i.subject = "One";
  i.edition = "2026-12-08";
  ASSERT_TRUE(store_->add_issue(i).ok());
  auto second = store_->add_issue(i);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::conflict);
  // The maker finds the edition taken and makes nothing.
  article("Storm warning", kMonday + 20 * kHour);
  EXPECT_TRUE(step(kTuesday + 3 * kHour).reports.empty());
}

TEST_F(MakerTest, DraftNowMakesOneOrSaysWhyNot) {
  const auto day = [](const char* d) { return *schedule::parse_day(d); };
  const UnixSeconds now = kMonday + 9 * kHour;
  article("Storm warning", kMonday + 8 * kHour);
  auto saturday = make_draft_now(parts(), n_, day("2026-12-12"), now);
  ASSERT_FALSE(saturday.ok());
  EXPECT_EQ(saturday.error().message,
            "2026-12-12 is not an edition of morning (schedule: mon-fri 06:00 UTC)");
  auto past = make_draft_now(parts(), n_, day("2026-12-04"), now);
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.error().message.find("already past"), std::string::npos);
  // Wednesday's edition: the articles since Tuesday's draft instant (none yet).
  auto empty = make_draft_now(parts(), n_, day("2026-12-09"), now);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, Errc::not_found);
  EXPECT_TRUE(store_->edition_skips(n_.id, "2026-12-09", "2026-12-09")->empty());
  auto made = make_draft_now(parts(), n_, day("2026-12-08"), now);
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ(made->edition, "2026-12-08");
  auto again = make_draft_now(parts(), n_, day("2026-12-08"), now);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::conflict);
  EXPECT_NE(again.error().message.find("already has issue"), std::string::npos);

  store::NewsletterUpdate u;
  u.schedule = "manual";
  set(u);
  auto manual = make_draft_now(parts(), n_, day("2026-12-10"), now);
  ASSERT_FALSE(manual.ok());
  EXPECT_NE(manual.error().message.find("manual schedule"), std::string::npos);
}

TEST_F(MakerTest, TheLayoutOverrideIsUsed) {
  std::filesystem::create_directories(dir_ / "templates" / "draft");
  std::ofstream(dir_ / "templates" / "draft" / "morning.md.mustache")
      << "# Our picks for {{edition}}\n{{#sections}}{{#articles}}- {{title}}\n{{/articles}}"
         "{{/sections}}";
  article("Storm warning", kMonday + 20 * kHour);
  ASSERT_EQ(step(kTuesday + 3 * kHour).reports.size(), 1u);
  EXPECT_EQ(edition_issue("2026-12-08")->body_markdown,
            "# Our picks for 2026-12-08\n- Storm warning\n");
}

}  // namespace
}  // namespace broadsheet::drafts
