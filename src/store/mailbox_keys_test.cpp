// One reader per mailbox on every backend (testing/backends.hpp): keys under the rule
// the store is opened with, the merge of readers that a new rule makes one, and the
// suppression a removal leaves, which only the reader's own confirmed sign-up lifts.
#include "store/mailbox_keys.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cctype>

#include "store/testing/backends.hpp"

namespace broadsheet::store {
namespace {

class MailboxKeysTest : public testing::BackendTest {};
using enum SubscriptionStatus;

// The rule the CLI passes (address::mailbox_key) folds ASCII case before the @; the
// store's tests stand in for it with a plain fold of the whole address.
MailboxKeys folding() {
  return {"test-fold", [](std::string_view email) {
            std::string key(email);
            for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return key;
          }};
}

TEST_P(MailboxKeysTest, CaseVariantsFindOneReaderAndCannotBeAddedTwice) {
  auto& store = open(folding());
  Subscriber ann = subscriber("Ann.Lee@example.org");
  auto found = store.subscriber_by_email("ann.lee@example.org");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_EQ(found->subscriber.id, ann.id);
  EXPECT_EQ(found->subscriber.email, "Ann.Lee@example.org");  // as typed
  Subscriber again;
  again.email = again.email_display = "ANN.LEE@example.org";
  auto twice = store.add_subscriber(again);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::conflict);
}

TEST_P(MailboxKeysTest, ExactMatchingKeepsCaseVariantsApart) {
  auto& store = open();  // the default rule: the address as it is
  Subscriber a = subscriber("Ann@example.org");
  Subscriber b = subscriber("ann@example.org");
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(store.subscriber_by_email("ANN@example.org").error().code, Errc::not_found);
}

// A database at schema version 4 (before the keys) holding one mailbox three times.

TEST_P(MailboxKeysTest, ChangingTheRuleRekeysAndMerges) {
  open();
  Subscriber a = subscriber("Ann@example.org");
  Subscriber b = subscriber("ann@example.org");
  auto& store = open(folding());
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers"), 1);
  EXPECT_EQ(store.subscriber_by_email("ANN@example.org")->subscriber.id, a.id);
  EXPECT_NE(a.id, b.id);
}

TEST_P(MailboxKeysTest, AConfirmedSignUpLiftsTheSuppression) {
  auto& store = open(folding());
  Newsletter n = newsletter("morning");
  n = *store.update_newsletter("morning", [] {
    NewsletterUpdate u;
    u.opt_in = OptIn::single_opt_in;
    return u;
  }());
  subscriber("back@example.org");
  ASSERT_TRUE(store.remove_subscriber("back@example.org").ok());

  // Even a single opt-in newsletter asks a suppressed mailbox to confirm.
  auto signed_up = store.record_signup(signup_request("Back@example.org", {n.id}));
  ASSERT_TRUE(signed_up.ok()) << signed_up.error().message;
  EXPECT_TRUE(signed_up->confirmed_now.empty());
  ASSERT_EQ(signed_up->confirmation_due, std::vector<Id>{n.id});
  EXPECT_TRUE(store.suppressed_since("back@example.org")->has_value());

  auto confirmed = store.confirm(signed_up->subscriber_id, n.id);
  ASSERT_TRUE(confirmed.ok());
  EXPECT_FALSE(store.suppressed_since("back@example.org")->has_value());
  EXPECT_EQ(scalar("SELECT count(*) FROM suppressions"), 0);
}

TEST_P(MailboxKeysTest, AMergeMovesSubscriptionsConsentsAndMailAndIsAudited) {
  open();
  Newsletter a = newsletter("a");
  Newsletter b = newsletter("b");
  auto first = store_->record_signup(signup_request("Ann@example.org", {a.id}));
  ASSERT_TRUE(first.ok()) << first.error().message;
  clock_.advance(60);
  auto second = store_->record_signup(signup_request("ann@example.org", {a.id, b.id}));
  ASSERT_TRUE(second.ok()) << second.error().message;
  ASSERT_NE(first->subscriber_id, second->subscriber_id);

  auto& store = open(folding());
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM subscriptions"), 2);
  EXPECT_EQ(scalar(fmt::format("SELECT count(*) FROM consent_ledger WHERE subscriber_id = {}",
                               first->subscriber_id)),
            5);
  EXPECT_EQ(scalar(fmt::format("SELECT count(*) FROM mail_queue WHERE subscriber_id = {}",
                               first->subscriber_id)),
            2);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'subscriber.merge'"), 1);
  auto subs = store.subscriptions_of(first->subscriber_id);
  ASSERT_TRUE(subs.ok());
  ASSERT_EQ(subs->size(), 2u);
  EXPECT_EQ((*subs)[0].created_at, clock_.now() - 60) << "the earliest sign-up stays";

  // Reopening under the same rule merges nothing more.
  open(folding());
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'subscriber.merge'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM subscribers WHERE email_key IS NULL"), 0);
}

BROADSHEET_ON_EVERY_BACKEND(MailboxKeysTest);

}  // namespace
}  // namespace broadsheet::store
