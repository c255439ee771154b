// Which refusals of a relay are the publisher's to fix (configuration) and which pass
// (transient), and that each configuration failure names the key to change.
#include "smtp/diagnosis.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace broadsheet::smtp {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Kind = transport::DeliveryResult::Kind;

Reply reply(int code, std::string text) { return Reply{code, {std::move(text)}}; }

RelayOptions relay_options() {
  RelayOptions o;
  o.host = "127.0.0.1";
  o.port = 2525;
  o.tls = TlsMode::starttls;
  o.username = "news";
  o.password = "secret-password";
  return o;
}

constexpr std::string_view kRelay = "127.0.0.1:2525";

TEST(Diagnosis, NoStartTlsNamesSmtpTls) {
  Error e = starttls_not_offered(relay_options(), kRelay);
  EXPECT_TRUE(is_configuration_failure(e));
  EXPECT_EQ(e.message,
            "relay 127.0.0.1:2525 does not offer STARTTLS: set smtp.tls = \"none\" or \"tls\", "
            "or use a relay that offers it");
}

TEST(Diagnosis, NoStartTlsOnARelayOfTheListNamesTheList) {
  RelayOptions o = relay_options();
  o.listed = true;
  Error e = starttls_not_offered(o, kRelay);
  EXPECT_TRUE(is_configuration_failure(e));
  EXPECT_THAT(e.message, HasSubstr("smtp.relays (127.0.0.1:2525:none or 127.0.0.1:2525:tls)"));
}

TEST(Diagnosis, StartTlsRefusedForGoodOrForNow) {
  EXPECT_TRUE(is_configuration_failure(
      starttls_refused(relay_options(), kRelay, reply(502, "5.5.1 not implemented"))));
  Error later = starttls_refused(relay_options(), kRelay, reply(454, "4.7.0 TLS not available"));
  EXPECT_FALSE(is_configuration_failure(later));
  EXPECT_THAT(later.message, HasSubstr("454 4.7.0 TLS not available"));
}

TEST(Diagnosis, AuthRefusedNamesTheCredentialsButNotThePassword) {
  Error e = auth_refused(relay_options(), kRelay, "PLAIN",
                         reply(535, "5.7.8 Authentication credentials invalid"));
  EXPECT_TRUE(is_configuration_failure(e));
  EXPECT_THAT(e.message, HasSubstr("AUTH PLAIN refused: 535 5.7.8"));
  EXPECT_THAT(e.message, HasSubstr("smtp.username"));
  EXPECT_THAT(e.message, HasSubstr("smtp.password_file"));
  EXPECT_THAT(e.message, Not(HasSubstr("secret-password")));
  // 454: the relay cannot check credentials now; trying later may work.
  EXPECT_FALSE(is_configuration_failure(
      auth_refused(relay_options(), kRelay, "LOGIN", reply(454, "4.7.0 try later"))));
}

TEST(Diagnosis, AuthNotOfferedSaysWhatToChange) {
  Error plain = auth_not_offered(relay_options(), kRelay, false);
  EXPECT_TRUE(is_configuration_failure(plain));
  EXPECT_THAT(plain.message, HasSubstr("smtp.tls"));
  EXPECT_THAT(plain.message, HasSubstr("smtp.username empty"));
  Error over_tls = auth_not_offered(relay_options(), kRelay, true);
  EXPECT_TRUE(is_configuration_failure(over_tls));
  EXPECT_THAT(over_tls.message, HasSubstr("smtp.username empty"));
}

TEST(Diagnosis, AnUntrustedCertificateIsConfigurationAFailedHandshakeIsNot) {
  Error untrusted = tls_handshake_failed(relay_options(), kRelay, "certificate verify failed",
                                         "self-signed certificate");
  EXPECT_TRUE(is_configuration_failure(untrusted));
  EXPECT_THAT(untrusted.message, HasSubstr("TLS handshake failed"));
  EXPECT_THAT(untrusted.message, HasSubstr("self-signed certificate"));
  EXPECT_THAT(untrusted.message, HasSubstr("smtp.ca_file"));
  EXPECT_THAT(untrusted.message, HasSubstr("smtp.verify = false"));
  Error broken = tls_handshake_failed(relay_options(), kRelay, "stream truncated", "");
  EXPECT_FALSE(is_configuration_failure(broken));
}

TEST(Diagnosis, TheSenderRefusedAtMailFromIsConfiguration) {
  auto r = mail_from_refused(kRelay, "desk@example.org",
                             reply(553, "5.7.1 <desk@example.org>: Sender address rejected"));
  EXPECT_EQ(r.kind, Kind::deferred);  // not the reader's bounce
  EXPECT_TRUE(r.configuration);
  EXPECT_EQ(r.code, 553);
  EXPECT_THAT(r.reply, HasSubstr("relay 127.0.0.1:2525 refuses the sender <desk@example.org>"));
  EXPECT_THAT(r.reply, HasSubstr("(in reply to MAIL FROM)"));
  EXPECT_THAT(r.reply, HasSubstr("--from"));
}

TEST(Diagnosis, OtherRepliesToMailFromAreAsClassified) {
  auto later = mail_from_refused(kRelay, "desk@example.org", reply(451, "4.3.0 try later"));
  EXPECT_EQ(later.kind, Kind::deferred);
  EXPECT_FALSE(later.configuration);
  auto closing = mail_from_refused(kRelay, "desk@example.org", reply(421, "4.3.2 bye"));
  EXPECT_FALSE(closing.configuration);
  // 552 at MAIL FROM is about this message's declared size, not the sender.
  auto too_big = mail_from_refused(kRelay, "desk@example.org", reply(552, "5.3.4 too big"));
  EXPECT_EQ(too_big.kind, Kind::failed);
  EXPECT_FALSE(too_big.configuration);
}

}  // namespace
}  // namespace broadsheet::smtp
