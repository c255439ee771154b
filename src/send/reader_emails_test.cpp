// Reader emails as the mail queue sends them: links signed with the link key under the
// base URL, the envelope's sender, DKIM when keys are configured, and nothing for rows
// whose newsletters are gone.
#include "send/reader_emails.hpp"

#include <gtest/gtest.h>

#include "dkim/testing.hpp"
#include "links/token.hpp"

namespace broadsheet::send {
namespace {

const std::string kLinkKey(32, 'k');

class ReaderEmailsTest : public ::testing::Test {
 protected:
  ReaderEmailsTest() : clock_(1'700'000'000) {
    config_.mail.from = "Desk <desk@example.org>";
    config_.publication.name = "The Paper";
    config_.publication.base_url = "https://news.example.com";
    config_.signup.confirm_expiry_days = 7;
    morning_.id = 1;
    morning_.slug = "morning";
    morning_.name = "Morning";
    evening_.id = 2;
    evening_.slug = "evening";
    evening_.name = "Evening";
    evening_.from_name = "Eve";
    evening_.from_address = "eve@example.org";
    evening_.welcome_subject = "Welcome to Evening";
    evening_.welcome_body = "First paragraph.\n\nSecond.";
  }

  store::QueuedMail row(store::QueuedMailKind kind, std::vector<Id> newsletters) const {
    store::QueuedMail m;
    m.id = 9;
    m.kind = kind;
    m.subscriber_id = 42;
    m.newsletter_ids = std::move(newsletters);
    m.email = "ada@example.org";
    m.name = "Ada";
    return m;
  }

  // The token of the first link to BASE_URL + `path` in `message` (its quoted-printable
  // soft line breaks undone).
  static std::string token_after(std::string message, const std::string& path) {
    for (auto at = message.find("=\r\n"); at != std::string::npos; at = message.find("=\r\n", at)) {
      message.erase(at, 3);
    }
    const std::string prefix = "https://news.example.com" + path;
    auto at = message.find(prefix);
    if (at == std::string::npos) return "";
    at += prefix.size();
    auto end = message.find_first_not_of(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", at);
    return message.substr(at, end - at);
  }

  Config config_;
  FakeClock clock_;
  Newsletter morning_, evening_;
};

TEST_F(ReaderEmailsTest, ConfirmationCarriesALinkThatConfirmsTheReader) {
  ReaderEmails emails(config_, kLinkKey, dkim::DkimSigner(), clock_);
  auto mail = emails.render(row(store::QueuedMailKind::confirmation, {1}), {morning_, evening_});
  ASSERT_TRUE(mail.ok()) << mail.error().message;
  ASSERT_TRUE(mail->has_value());
  const transport::Mail& m = **mail;
  // The envelope sender is a return path naming this email (send/return_path.hpp).
  const std::string& from = m.envelope.mail_from;
  ASSERT_TRUE(from.starts_with("bounce+") && from.ends_with("@example.org")) << from;
  auto named = links::verify_return_token(from.substr(7, 54), kLinkKey);
  ASSERT_TRUE(named.ok()) << from;
  EXPECT_EQ(named->kind, links::ReturnKind::reader_mail);
  EXPECT_EQ(m.envelope.rcpt_to, "ada@example.org");
  EXPECT_NE(m.message->find("Subject: Please confirm your subscription to Morning"),
            std::string::npos);
  EXPECT_EQ(m.message->find("DKIM-Signature"), std::string::npos);
  auto claims = links::verify_token(token_after(*m.message, "/confirm/"),
                                    links::TokenPurpose::confirm, kLinkKey, clock_.now());
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims->subscriber_id, 42);
  EXPECT_EQ(claims->newsletter_id, 1);
  EXPECT_TRUE(links::verify_token(token_after(*m.message, "/u/"), links::TokenPurpose::unsubscribe,
                                  kLinkKey, clock_.now())
                  .ok());
}

TEST_F(ReaderEmailsTest, WelcomeComesFromTheNewslettersOwnSenderAndIsSigned) {
  auto signer = dkim::DkimSigner::create(
      {{"example.org", "s1", dkim::testing::shared_key(DkimAlgorithm::ed25519_sha256)}}, clock_);
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  ReaderEmails emails(config_, kLinkKey, *signer, clock_);
  auto mail = emails.render(row(store::QueuedMailKind::welcome, {2}), {morning_, evening_});
  ASSERT_TRUE(mail.ok()) << mail.error().message;
  ASSERT_TRUE(mail->has_value());
  const std::string& bytes = *(*mail)->message;
  const std::string& from = (*mail)->envelope.mail_from;
  EXPECT_TRUE(from.starts_with("bounce+") && from.ends_with("@example.org")) << from;
  EXPECT_EQ(bytes.rfind("DKIM-Signature:", 0), 0u) << "the signature comes first";
  EXPECT_NE(bytes.find("Subject: Welcome to Evening"), std::string::npos);
  auto claims = links::verify_token(token_after(bytes, "/u/"), links::TokenPurpose::unsubscribe,
                                    kLinkKey, clock_.now());
  ASSERT_TRUE(claims.ok()) << claims.error().message;
  EXPECT_EQ(claims->newsletter_id, 2);
}

TEST_F(ReaderEmailsTest, NothingToSendWhenItsNewslettersAreGone) {
  ReaderEmails emails(config_, kLinkKey, dkim::DkimSigner(), clock_);
  auto gone = emails.render(row(store::QueuedMailKind::confirmation, {7}), {morning_});
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  // Morning has no welcome email.
  auto no_welcome = emails.render(row(store::QueuedMailKind::welcome, {1}), {morning_});
  ASSERT_TRUE(no_welcome.ok());
  EXPECT_FALSE(no_welcome->has_value());
}

TEST_F(ReaderEmailsTest, ABadSenderIsAnErrorToRetry) {
  config_.mail.from = "not an address";
  ReaderEmails emails(config_, kLinkKey, dkim::DkimSigner(), clock_);
  auto mail = emails.render(row(store::QueuedMailKind::confirmation, {1}), {morning_});
  EXPECT_FALSE(mail.ok());
}

}  // namespace
}  // namespace broadsheet::send
