// Rates by receiving domain against the providers' limits, from the store's counts of
// an issue's copies and the events kept about them; and the totals /metrics reads.
#include "bounce/rates.hpp"

#include <gtest/gtest.h>

#include "bounce/bounce.hpp"
#include "store/sqlite/test_support.hpp"

namespace broadsheet::bounce {
namespace {

TEST(DomainRates, FlagsWhatIsOverTheLimits) {
  auto rates = domain_rates(
      {{"gmail.com", 1000, 5, 10, 3}, {"yahoo.com", 1000, 0, 21, 4}, {"tiny.example", 0, 0, 0, 0}});
  ASSERT_EQ(rates.size(), 3u);
  EXPECT_EQ(rates[0].bounces, 15u);        // refused by the relay, and bounced afterwards
  EXPECT_FALSE(rates[0].bounces_over);     // 1.5%
  EXPECT_FALSE(rates[0].complaints_over);  // 0.3% is not over 0.3%
  EXPECT_TRUE(rates[1].bounces_over);      // 2.1%
  EXPECT_TRUE(rates[1].complaints_over);   // 0.4%
  EXPECT_FALSE(rates[2].bounces_over);
  EXPECT_EQ(domain_rate_line(rates[1]),
            "yahoo.com: 1000 sent, 21 bounces (2.1%, over 2%), 4 complaints (0.4%, over 0.3%)");
}

class Rates : public store::sqlite::testing::SqliteTest {};

TEST_F(Rates, CountsCopiesByDomainAndKeepsTotalsAsCounters) {
  auto& s = open();
  const Newsletter n = newsletter("daily");
  std::vector<Subscriber> readers;
  for (const char* e :
       {"a@gmail.com", "b@gmail.com", "c@GMail.com", "d@yahoo.com", "e@yahoo.com"}) {
    readers.push_back(subscriber(e));
  }
  Issue i;
  i.newsletter_id = n.id;
  i.subject = "Monday";
  i.body_markdown = "Hello";
  auto issue = s.add_issue(i);
  ASSERT_TRUE(issue) << issue.error().message;
  for (std::size_t k = 0; k < readers.size(); ++k) {
    execute("INSERT INTO deliveries (issue_id, subscriber_id, status, updated_at) VALUES (" +
            std::to_string(issue->id) + ", " + std::to_string(readers[k].id) + ", '" +
            (k == 3   ? "failed"
             : k == 4 ? "queued"
                      : "sent") +
            "', 0)");
  }
  store::BouncePolicy policy;
  auto keep = [&](store::BounceKind kind, Id reader, const std::string& fp) {
    store::BounceEvent e;
    e.kind = kind;
    e.subscriber_id = reader;
    e.issue_id = issue->id;
    e.fingerprint = fp;
    ASSERT_TRUE(s.record_bounce(e, policy, clock_.now()));
  };
  keep(store::BounceKind::hard, readers[0].id, "1");
  keep(store::BounceKind::complaint, readers[1].id, "2");
  keep(store::BounceKind::soft, readers[2].id, "3");
  auto counts = s.domain_counts_of_issue(issue->id, 10);
  ASSERT_TRUE(counts) << counts.error().message;
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0].domain, "gmail.com");
  EXPECT_EQ((*counts)[0].sent, 3u);
  EXPECT_EQ((*counts)[0].hard, 1u);
  EXPECT_EQ((*counts)[0].complaints, 1u);
  EXPECT_EQ((*counts)[1].domain, "yahoo.com");
  EXPECT_EQ((*counts)[1].sent, 1u);  // the queued copy has not left
  EXPECT_EQ((*counts)[1].failed, 1u);
  auto rates = domain_rates(*counts);
  EXPECT_TRUE(rates[0].bounces_over && rates[0].complaints_over);

  EXPECT_NE(metrics_text(s).find("broadsheet_bounces_total{kind=\"hard\"} 1"), std::string::npos);
  // A counter: removing the reader removes the event, not the count.
  ASSERT_TRUE(s.remove_subscriber("a@gmail.com"));
  EXPECT_EQ(scalar("SELECT count(*) FROM bounce_events WHERE kind = 'hard'"), 0);
  EXPECT_NE(metrics_text(s).find("broadsheet_bounces_total{kind=\"hard\"} 1"), std::string::npos);
  EXPECT_NE(metrics_text(s).find("broadsheet_bounces_total{kind=\"complaint\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace broadsheet::bounce
