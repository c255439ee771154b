// The mail queue sender against the real SQLite store and the real outbox Maildir:
// rows queued by sign-ups are sent once, failures are retried with backoff and given up
// after a day, blocked readers get nothing, and the thread is woken by commits.
#include "send/mail_queue.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/sqlite/test_support.hpp"
#include "transport/outbox.hpp"

namespace broadsheet::send {
namespace {

namespace fs = std::filesystem;
using store::sqlite::testing::wait_until;

// A renderer of the shape the reader side's is: one message per row, naming the
// newsletters, addressed to the reader as the row reads them now.
Result<std::optional<transport::Mail>> render(const store::QueuedMail& m,
                                              const std::vector<Newsletter>& all) {
  std::string names;
  for (Id id : m.newsletter_ids) {
    for (const auto& n : all) {
      if (n.id == id) names += (names.empty() ? "" : ", ") + n.name;
    }
  }
  if (names.empty()) return std::optional<transport::Mail>();
  std::string message = fmt::format("To: {}\r\nSubject: {} for {}\r\n\r\nrow {}\r\n", m.email,
                                    to_string(m.kind), names, m.id);
  return std::optional<transport::Mail>(transport::Mail{
      {"desk@example.org", m.email}, std::make_shared<const std::string>(std::move(message))});
}

class MailQueueTest : public store::sqlite::testing::SqliteTest {
 protected:
  void SetUp() override {
    SqliteTest::SetUp();
    open();
    auto outbox = transport::Outbox::open((dir_ / "outbox").string());
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    outbox_ = std::move(*outbox);
    briefing_ = newsletter("briefing");
  }

  MailQueueSender sender(MailRenderer r = render, MailQueueOptions o = {}) {
    return MailQueueSender({*store_, *store_}, *outbox_, std::move(r), clock_, o);
  }

  Id sign_up(const std::string& email) {
    auto out = store_->record_signup(signup_request(email, {briefing_.id}));
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().message);
    return out.ok() ? out->subscriber_id : 0;
  }

  // The messages in the outbox, by recipient (the Delivered-To line).
  std::map<std::string, int> delivered() const {
    std::map<std::string, int> out;
    for (const auto& f : fs::directory_iterator(dir_ / "outbox/new")) {
      std::ifstream in(f.path(), std::ios::binary);
      std::string line;
      while (std::getline(in, line)) {
        if (line.starts_with("Delivered-To: ")) {
          ++out[line.substr(14, line.size() - 15)];  // without "\r"
          break;
        }
      }
    }
    return out;
  }

  // Makes the outbox refuse every delivery (as root too): tmp/ becomes a file.
  void break_outbox() {
    fs::remove_all(dir_ / "outbox/tmp");
    std::ofstream(dir_ / "outbox/tmp") << "not a folder";
  }
  void mend_outbox() {
    fs::remove(dir_ / "outbox/tmp");
    fs::create_directory(dir_ / "outbox/tmp");
  }

  std::int64_t row(const std::string& what, Id id = 0) const {
    return scalar(fmt::format("SELECT {} FROM mail_queue WHERE {}", what,
                              id ? fmt::format("id = {}", id) : "1"));
  }

  std::unique_ptr<transport::Outbox> outbox_;
  Newsletter briefing_;
};

TEST_F(MailQueueTest, SendsWhatIsDueOnceAndRecordsIt) {
  sign_up("ann@example.org");
  sign_up("bob@example.org");
  auto s = sender();
  auto pass = s.send_due();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->sent, 2u);
  EXPECT_EQ(delivered(),
            (std::map<std::string, int>{{"ann@example.org", 1}, {"bob@example.org", 1}}));
  EXPECT_EQ(row("count(*)", 0), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM mail_queue WHERE sent_at = " +
                   std::to_string(clock_.now()) + " AND next_attempt_at IS NULL"),
            2);
  EXPECT_EQ(store_->mail_queue_state()->pending, 0u);

  // Nothing twice: not by another pass, nor by a new sender on a reopened store (a
  // restart).
  EXPECT_EQ(s.send_due()->sent, 0u);
  open();
  auto restarted = MailQueueSender({*store_, *store_}, *outbox_, render, clock_);
  EXPECT_EQ(restarted.send_due()->sent, 0u);
  EXPECT_EQ(delivered().size(), 2u);
}

TEST_F(MailQueueTest, ManyRowsGoInBatches) {
  for (int i = 0; i < 70; ++i) sign_up(fmt::format("r{}@example.org", i));
  MailQueueOptions o;
  o.batch_size = 16;
  auto s = sender(render, o);
  auto pass = s.send_due();
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->sent, 70u);
  EXPECT_EQ(delivered().size(), 70u);
  EXPECT_EQ(store_->mail_queue_state()->pending, 0u);
}

TEST_F(MailQueueTest, ATransportFailureIsRetriedWithBackoffThenSent) {
  sign_up("ann@example.org");
  auto s = sender();
  break_outbox();
  auto pass = s.send_due();
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->retried, 1u);
  EXPECT_EQ(row("attempts"), 1);
  EXPECT_EQ(row("next_attempt_at"), clock_.now() + 60);
  EXPECT_EQ(scalar("SELECT count(*) FROM mail_queue WHERE last_error LIKE '%Not a directory%'"), 1);

  clock_.advance(59);
  EXPECT_EQ(s.send_due()->retried, 0u) << "not due yet";
  clock_.advance(1);
  EXPECT_EQ(s.send_due()->retried, 1u);
  EXPECT_EQ(row("next_attempt_at"), clock_.now() + 120) << "the wait doubles";
  clock_.advance(120);
  EXPECT_EQ(s.send_due()->retried, 1u);
  EXPECT_EQ(row("next_attempt_at"), clock_.now() + 240);

  mend_outbox();
  clock_.advance(240);
  pass = s.send_due();
  EXPECT_EQ(pass->sent, 1u);
  EXPECT_EQ(delivered(), (std::map<std::string, int>{{"ann@example.org", 1}}));
  EXPECT_EQ(row("attempts"), 4);
  EXPECT_EQ(scalar("SELECT count(*) FROM mail_queue WHERE last_error = '' AND sent_at IS NOT NULL"),
            1);
}

TEST_F(MailQueueTest, TheWaitIsCappedAndADayLaterTheRowIsGivenUp) {
  sign_up("ann@example.org");
  MailQueueOptions o;
  o.first_retry = 600;
  o.max_retry = 3600;
  auto s = sender(render, o);
  break_outbox();
  const UnixSeconds queued_at = clock_.now();
  std::vector<UnixSeconds> waits;
  while (clock_.now() - queued_at < 86400) {
    auto pass = s.send_due();
    ASSERT_TRUE(pass.ok());
    ASSERT_EQ(pass->retried + pass->given_up, 1u);
    if (pass->given_up) break;
    waits.push_back(row("next_attempt_at") - clock_.now());
    clock_.set(row("next_attempt_at"));
  }
  ASSERT_GE(waits.size(), 4u);
  EXPECT_EQ(waits[0], 600);
  EXPECT_EQ(waits[1], 1200);
  EXPECT_EQ(waits[2], 2400);
  EXPECT_EQ(waits[3], 3600);
  EXPECT_EQ(waits.back(), 3600);
  // Past the day: the next attempt that fails gives up.
  auto last = s.send_due();
  EXPECT_EQ(last->given_up, 1u);
  EXPECT_EQ(scalar("SELECT count(*) FROM mail_queue WHERE next_attempt_at IS NULL AND "
                   "sent_at IS NULL AND last_error LIKE '%Not a directory%'"),
            1);
  mend_outbox();
  clock_.advance(86400);
  EXPECT_EQ(s.send_due()->sent, 0u);
  EXPECT_TRUE(delivered().empty());
}

TEST_F(MailQueueTest, ABlockedReaderGetsNothing) {
  sign_up("ann@example.org");
  sign_up("bob@example.org");
  execute("UPDATE subscribers SET status = 'blocked' WHERE email = 'ann@example.org'");
  int rendered = 0;
  auto s = sender([&](const store::QueuedMail& m, const std::vector<Newsletter>& all) {
    ++rendered;
    return render(m, all);
  });
  auto pass = s.send_due();
  EXPECT_EQ(pass->sent, 1u);
  EXPECT_EQ(pass->given_up, 1u);
  EXPECT_EQ(rendered, 1) << "a blocked reader's email is not even rendered";
  EXPECT_EQ(delivered(), (std::map<std::string, int>{{"bob@example.org", 1}}));
  EXPECT_EQ(store_->mail_queue_state()->pending, 0u);
}

TEST_F(MailQueueTest, NothingLeftToRenderGivesUpAndARenderingFaultIsRetried) {
  sign_up("ann@example.org");
  ASSERT_TRUE(store_->remove_newsletter("briefing").ok());
  auto s = sender();
  auto pass = s.send_due();
  EXPECT_EQ(pass->given_up, 1u);
  EXPECT_TRUE(delivered().empty());

  briefing_ = newsletter("briefing2");
  sign_up("bob@example.org");
  auto faulty =
      sender([](const store::QueuedMail&,
                const std::vector<Newsletter>&) -> Result<std::optional<transport::Mail>> {
        return make_error(Errc::config, "mail.from is not an address");
      });
  pass = faulty.send_due();
  EXPECT_EQ(pass->retried, 1u);
  EXPECT_EQ(
      scalar("SELECT count(*) FROM mail_queue WHERE last_error = 'mail.from is not an address' "
             "AND next_attempt_at IS NOT NULL"),
      1);
}

TEST_F(MailQueueTest, TheThreadIsWokenByCommitsAndDrainsWhenStopped) {
  MailQueueOptions o;
  o.poll_interval = std::chrono::minutes(10);  // only a wake can explain a quick send
  auto s = std::make_unique<MailQueueSender>(MailQueueSender::Roles{*store_, *store_}, *outbox_, render, clock_, o);
  store_->set_mail_listener([&] { s->wake(); });
  s->start();
  sign_up("ann@example.org");
  wait_until([&] { return delivered().size() == 1; });
  wait_until([&] { return store_->mail_queue_state()->pending == 0; });

  // Queued just before stop(): still sent, by the drain.
  for (int i = 0; i < 20; ++i) sign_up(fmt::format("r{}@example.org", i));
  s->stop();
  store_->set_mail_listener({});
  EXPECT_EQ(delivered().size(), 21u);
  EXPECT_EQ(store_->mail_queue_state()->pending, 0u);
  s->stop();  // idempotent
}

TEST_F(MailQueueTest, AtStartTheThreadSendsWhatAnEarlierRunLeft) {
  sign_up("ann@example.org");  // queued while no sender ran (a crash, or the CLI)
  MailQueueOptions o;
  o.poll_interval = std::chrono::minutes(10);
  MailQueueSender s({*store_, *store_}, *outbox_, render, clock_, o);
  s.start();
  wait_until([&] { return store_->mail_queue_state()->pending == 0; });
  s.stop();
  EXPECT_EQ(delivered().size(), 1u);
}

}  // namespace
}  // namespace broadsheet::send
