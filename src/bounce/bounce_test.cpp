// The processor over the corpus in testdata/ (shapes of Postfix, Gmail, Outlook,
// Yahoo and Exim), then the policy through a real SQLite store on a fake clock.
#include "bounce/bounce.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "bounce/message.hpp"
#include "links/token.hpp"
#include "store/sqlite/test_support.hpp"

namespace broadsheet::bounce {
namespace {

const std::string kKey(32, 'k');
constexpr Id kReader = 7, kIssue = 3, kNewsletter = 2;

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

std::string corpus(const std::string& name, Id reader = kReader) {
  std::ifstream in(std::string(BROADSHEET_BOUNCE_TESTDATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  replace_all(s, "@@RETURN_PATH@@",
              links::return_path({links::ReturnKind::issue, reader, kIssue}, kKey,
                                 "broadsheet-test.net"));
  replace_all(s, "@@DELIVERY@@",
              fmt::format("{}.{}.{}", kIssue, reader,
                          links::sign_token({links::TokenPurpose::delivery, reader, kIssue, 0},
                                            kKey)));
  replace_all(s, "@@UNSUBSCRIBE@@",
              links::sign_token({links::TokenPurpose::unsubscribe, reader, kNewsletter, 0}, kKey));
  return s;
}

struct Case {
  const char* file;
  std::optional<store::BounceKind> kind;  // nullopt: ignored
  const char* status_or_reason;           // a fragment of the status, or of why ignored
};

class Corpus : public ::testing::TestWithParam<Case> {};

TEST_P(Corpus, IsUnderstood) {
  const Case& c = GetParam();
  const Analysis a = analyse(corpus(c.file), kKey, Limits{});
  if (!c.kind) {
    EXPECT_TRUE(a.findings.empty()) << c.file;
    EXPECT_NE(a.ignored.find(c.status_or_reason), std::string::npos) << c.file << ": " << a.ignored;
    return;
  }
  ASSERT_EQ(a.findings.size(), 1u) << c.file << ": " << a.ignored;
  const Finding& f = a.findings.front();
  EXPECT_EQ(f.kind, *c.kind) << c.file;
  EXPECT_EQ(f.subscriber_id, kReader);
  if (f.kind == store::BounceKind::unsubscribe) {
    EXPECT_EQ(f.newsletter_id, kNewsletter);
  } else {
    EXPECT_EQ(f.issue_id, kIssue) << c.file;
  }
  EXPECT_NE(f.status.find(c.status_or_reason), std::string::npos) << c.file << ": " << f.status;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, Corpus,
    ::testing::Values(Case{"postfix_dsn_hard.eml", store::BounceKind::hard, "5.1.1"},
                      Case{"postfix_dsn_delayed.eml", std::nullopt, "delayed"},
                      Case{"gmail_dsn_soft.eml", store::BounceKind::soft, "4.2.2"},
                      Case{"outlook_ndr_hard.eml", store::BounceKind::hard, "5.5.0"},
                      Case{"yahoo_failure_notice.eml", store::BounceKind::hard, "Failure Notice"},
                      Case{"exim_mail_delivery_failed.eml", store::BounceKind::hard, "550"},
                      Case{"exim_plain_bounce_soft.eml", store::BounceKind::soft, "4.3.0"},
                      Case{"outlook_out_of_office.eml", std::nullopt, "auto-reply"},
                      Case{"gmail_vacation.eml", std::nullopt, "auto-reply"},
                      Case{"yahoo_arf_complaint.eml", store::BounceKind::complaint, "abuse"},
                      Case{"hotmail_arf_not_spam.eml", std::nullopt, "not-spam"},
                      Case{"unsubscribe_mail.eml", store::BounceKind::unsubscribe, "unsubscribe"},
                      Case{"forged_dsn.eml", std::nullopt, "no delivery named"},
                      Case{"forged_unsubscribe.eml", std::nullopt, "neither"},
                      Case{"newsletter_reply.eml", std::nullopt, "neither"}),
    [](const ::testing::TestParamInfo<Case>& param_info) {
      std::string name = param_info.param.file;
      name = name.substr(0, name.find('.'));
      return name;
    });

TEST(ReturnToken, SurvivesLowercaseAndUppercaseAndRefusesAnotherKey) {
  const std::string token = links::sign_return_token({links::ReturnKind::issue, 42, 9}, kKey);
  EXPECT_EQ(token.size(), 54u);
  std::string upper = token;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto claims = links::verify_return_token(upper, kKey);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->subscriber_id, 42);
  EXPECT_EQ(claims->ref, 9);
  EXPECT_FALSE(links::verify_return_token(token, std::string(32, 'x')));
  std::string changed = token;
  changed[20] = changed[20] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(links::verify_return_token(changed, kKey));
  EXPECT_LE(links::return_path({links::ReturnKind::reader_mail, INT64_MAX, INT64_MAX}, kKey, "x.org")
                .find('@'),
            64u);
}

TEST(Limits, OversizedDeepAndManyPartsAreIgnored) {
  Limits small;
  small.max_bytes = 100;
  EXPECT_EQ(analyse(corpus("postfix_dsn_hard.eml"), kKey, small).ignored, "too large");
  std::string deep = "Content-Type: multipart/mixed; boundary=b0\r\n\r\n";
  for (int i = 1; i < 40; ++i) {
    deep += fmt::format("--b{}\r\nContent-Type: multipart/mixed; boundary=b{}\r\n\r\n", i - 1, i);
  }
  EXPECT_FALSE(analyse(deep, kKey, Limits{}).ignored.empty());
  EXPECT_TRUE(analyse(deep, kKey, Limits{}).findings.empty());
  std::string many(200 * 40, 'x');
  many = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 200; ++i) many += "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n";
  EXPECT_EQ(analyse(many, kKey, Limits{}).ignored, "too many parts");
}

TEST(HeaderBlocks, UnfoldsAndSplits) {
  auto blocks = detail::header_blocks("A: 1\r\nB: two\r\n  lines\r\n\r\nC: 3\r\n", 10);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(detail::field(blocks[0], "b"), "two lines");
  EXPECT_EQ(detail::field(blocks[1], "c"), "3");
}

// The policy, through the store.
class Policy : public store::sqlite::testing::SqliteTest {
 protected:
  FakeClock& clock() { return clock_; }
};

TEST_F(Policy, HardSuppressesSoftCountsToThreeAndDuplicatesCountOnce) {
  auto& s = open();
  const Newsletter daily = newsletter("daily");
  const Subscriber ann = subscriber("ann@example.net");
  auto n = &daily;
  auto r = &ann;
  ASSERT_TRUE(s.set_subscription(r->id, n->id, SubscriptionStatus::confirmed, "test"));
  Settings settings;
  settings.link_key = kKey;
  auto soft = [&](Id issue) {
    std::string m = corpus("gmail_dsn_soft.eml", r->id);
    replace_all(m, links::return_path({links::ReturnKind::issue, r->id, kIssue}, kKey,
                                      "broadsheet-test.net"),
                links::return_path({links::ReturnKind::issue, r->id, issue}, kKey,
                                   "broadsheet-test.net"));
    return process(m, s, settings, clock().now());
  };
  auto first = soft(1);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->recorded, 1u);
  auto again = soft(1);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->duplicates, 1u);
  EXPECT_EQ(again->recorded, 0u);
  ASSERT_TRUE(soft(2));
  EXPECT_FALSE(*s.suppressed_since("ann@example.net"));
  clock().advance(15 * 86400);  // the first two fall out of the window
  ASSERT_TRUE(soft(3));
  EXPECT_FALSE(*s.suppressed_since("ann@example.net"));
  ASSERT_TRUE(soft(4));
  auto third = soft(5);
  ASSERT_TRUE(third);
  EXPECT_NE(third->summary().find("suppressed"), std::string::npos) << third->summary();
  EXPECT_TRUE(*s.suppressed_since("ann@example.net"));
  auto totals = s.bounce_totals();
  ASSERT_TRUE(totals);
  EXPECT_EQ((*totals)[store::BounceKind::soft], 5u);
  EXPECT_NE(metrics_text(s).find("broadsheet_bounces_total{kind=\"soft\"} 5"), std::string::npos);

  // A forged return path changes nothing.
  auto forged = process(corpus("forged_dsn.eml", r->id), s, settings, clock().now());
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->recorded, 0u);
  EXPECT_EQ(s.bounce_events_of_subscriber(r->id, 100)->size(), 5u);
}

TEST_F(Policy, ComplaintUnsubscribesFromAllAndUnsubscribeMailFromOne) {
  auto& s = open();
  const Newsletter na = newsletter("a"), nb = newsletter("b");
  const Subscriber bo = subscriber("bo@example.net");
  auto a = &na;
  auto b = &nb;
  auto r = &bo;
  for (Id n : {a->id, b->id}) {
    ASSERT_TRUE(s.set_subscription(r->id, n, SubscriptionStatus::confirmed, "test"));
  }
  Settings settings;
  settings.link_key = kKey;
  std::string unsub = "Subject: unsubscribe " +
                      links::sign_token({links::TokenPurpose::unsubscribe, r->id, a->id, 0}, kKey) +
                      "\r\n\r\n";
  ASSERT_TRUE(process(unsub, s, settings, clock().now()));
  auto subs = s.subscriptions_of(r->id);
  ASSERT_TRUE(subs);
  EXPECT_EQ((*subs)[0].status, SubscriptionStatus::unsubscribed);
  EXPECT_EQ((*subs)[1].status, SubscriptionStatus::confirmed);
  EXPECT_FALSE(*s.suppressed_since("bo@example.net"));
  auto complaint = process(corpus("yahoo_arf_complaint.eml", r->id), s, settings, clock().now());
  ASSERT_TRUE(complaint);
  EXPECT_EQ(complaint->recorded, 1u) << complaint->summary();
  subs = s.subscriptions_of(r->id);
  EXPECT_EQ((*subs)[1].status, SubscriptionStatus::unsubscribed);
  EXPECT_TRUE(*s.suppressed_since("bo@example.net"));
  auto list = s.list_suppressions("", 10);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().address, "bo@example.net");
  EXPECT_EQ(list->front().source, "complaint");
  // Removing the reader keeps only the hash.
  ASSERT_TRUE(s.remove_subscriber("bo@example.net"));
  list = s.list_suppressions("", 10);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().address, "");
}

}  // namespace
}  // namespace broadsheet::bounce
