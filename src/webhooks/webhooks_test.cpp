// Provider webhooks: each provider's documented payload with a valid signature (keys
// and certificates made here), then forged, stale and unsigned ones, through a real
// SQLite store on a fake clock.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "core/encoding.hpp"
#include "links/token.hpp"
#include "store/sqlite/test_support.hpp"
#include "webhooks/receiver.hpp"
#include "webhooks/signatures.hpp"

namespace broadsheet::webhooks {
namespace {

const std::string kKey(32, 'k');
constexpr UnixSeconds kNow = 1'700'000'000;  // the fixture's clock: 2023-11-14T22:13:20Z
constexpr const char* kNowIso = "2023-11-14T22:13:20.000Z";
constexpr const char* kTopic = "arn:aws:sns:us-east-1:123456789012:broadsheet-bounces";
constexpr const char* kCertUrl =
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem";

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string sign(EVP_PKEY* key, const EVP_MD* md, std::string_view data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, md, nullptr, key), 1);
  std::size_t len = 0;
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                 data.size());
  std::string out(len, '\0');
  EXPECT_EQ(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                           reinterpret_cast<const unsigned char*>(data.data()), data.size()),
            1);
  out.resize(len);
  EVP_MD_CTX_free(ctx);
  return out;
}

// A self-signed RSA certificate for `cn`, valid a day either side of kNow.
std::string certificate(EVP_PKEY* key, const std::string& cn) {
  X509* x = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  ASN1_TIME_set(X509_getm_notBefore(x), kNow - 86400);
  ASN1_TIME_set(X509_getm_notAfter(x), kNow + 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_sign(x, key, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  X509_free(x);
  return pem;
}

Pkey rsa_key() { return Pkey(EVP_RSA_gen(2048)); }
Pkey p256_key() { return Pkey(EVP_EC_gen("P-256")); }

std::string public_der(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

std::string return_path(Id reader, Id issue) {
  return links::return_path({links::ReturnKind::issue, reader, issue}, kKey, "news.example.org");
}

class Webhooks : public store::sqlite::testing::SqliteTest {
 protected:
  void SetUp() override {
    SqliteTest::SetUp();
    store_ref_ = &open();
    daily_ = newsletter("daily");
    ann_ = subscriber("ann@example.net");
    bo_ = subscriber("bo@example.net");
    for (Id r : {ann_.id, bo_.id}) {
      EXPECT_TRUE(store_ref_->set_subscription(r, daily_.id, SubscriptionStatus::confirmed, "t"));
    }
    Issue i;
    i.newsletter_id = daily_.id;
    i.subject = "Monday";
    i.body_markdown = "Hello";
    auto added = store_ref_->add_issue(i);
    ASSERT_TRUE(added) << added.error().message;
    issue_ = added->id;
    std::filesystem::create_directories(dir_ / "certs");
    rsa_ = rsa_key();
    ec_ = p256_key();
    std::ofstream(dir_ / "certs" / (sha256_hex(kCertUrl) + ".pem"))
        << certificate(rsa_.get(), "sns.amazonaws.com");
    settings_.bounce.link_key = kKey;
    settings_.ses_topic_arns = {kTopic};
    settings_.postmark_credentials = "hook:s3cret";
    settings_.sendgrid_public_key = public_der(ec_.get());
    settings_.mailgun_signing_key = "key-mailgun";
    receiver_ = std::make_unique<Receiver>(
        settings_, ReceiverRoles{*store_ref_, *store_ref_, *store_ref_},
        std::make_shared<SnsCertificates>((dir_ / "certs").string(), nullptr), clock_);
  }

  http::Response post(const std::string& provider, std::string body,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::Request r;
    r.method = http::Method::post;
    r.path = "/webhooks/" + provider;
    r.params["provider"] = provider;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return receiver_->handle(r);
  }

  std::string sns(const std::string& message, const std::string& version = "2",
                  const std::string& timestamp = kNowIso, const std::string& topic = kTopic) {
    SnsMessage m;
    m.type = "Notification";
    m.message_id = "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324";
    m.topic_arn = topic;
    m.message = message;
    m.timestamp = timestamp;
    m.signature_version = version;
    m.signing_cert_url = kCertUrl;
    const std::string signature = base64_encode(
        sign(rsa_.get(), version == "1" ? EVP_sha1() : EVP_sha256(), sns_string_to_sign(m)));
    return boost::json::serialize(boost::json::object{
        {"Type", m.type},
        {"MessageId", m.message_id},
        {"TopicArn", m.topic_arn},
        {"Message", m.message},
        {"Timestamp", m.timestamp},
        {"SignatureVersion", version},
        {"Signature", signature},
        {"SigningCertURL", kCertUrl},
        {"UnsubscribeURL", "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"}});
  }

  static std::string ses_bounce(const std::string& type, const std::string& address,
                                const std::string& source) {
    return fmt::format(
        R"({{"notificationType":"Bounce","bounce":{{"bounceType":"{}","bounceSubType":"General",)"
        R"("bouncedRecipients":[{{"emailAddress":"{}","action":"failed","status":"5.1.1",)"
        R"("diagnosticCode":"smtp; 550 5.1.1 user unknown"}}],"timestamp":"2023-11-14T22:13:19.000Z",)"
        R"("feedbackId":"0100018bd-feedback-1"}},"mail":{{"timestamp":"2023-11-14T22:13:10.000Z",)"
        R"("source":"{}","messageId":"0100018bd-0001","destination":["{}"]}}}})",
        type, address, source, address);
  }

  std::vector<std::pair<std::string, std::string>> sendgrid_headers(const std::string& body,
                                                                    UnixSeconds at = kNow) {
    const std::string ts = std::to_string(at);
    return {{"x-twilio-email-event-webhook-signature",
             base64_encode(sign(ec_.get(), EVP_sha256(), ts + body))},
            {"x-twilio-email-event-webhook-timestamp", ts}};
  }

  static std::string mailgun(const std::string& event_data, const std::string& key,
                             UnixSeconds at = kNow) {
    const std::string ts = std::to_string(at),
                      token = "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0";
    return fmt::format(
        R"({{"signature":{{"timestamp":"{}","token":"{}","signature":"{}"}},"event-data":{}}})", ts,
        token, hmac_sha256_hex(key, ts + token), event_data);
  }

  int events_of(Id reader) {
    return static_cast<int>(store_ref_->bounce_events_of_subscriber(reader, 100)->size());
  }
  bool suppressed(const std::string& email) {
    return store_ref_->suppressed_since(email)->has_value();
  }

  store::sqlite::SqliteStore* store_ref_ = nullptr;
  Newsletter daily_;
  Subscriber ann_, bo_;
  Id issue_ = 0;
  Pkey rsa_, ec_;
  ReceiverSettings settings_;
  std::unique_ptr<Receiver> receiver_;
};

TEST_F(Webhooks, SesBounceSignedV1AndV2ByVerpTokenCountsOnce) {
  const std::string message =
      ses_bounce("Permanent", "ann@example.net", return_path(ann_.id, issue_));
  auto r = post("ses", sns(message, "1"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"recorded\":1"), std::string::npos) << r.body;
  EXPECT_TRUE(suppressed("ann@example.net"));
  auto events = store_ref_->bounce_events_of_subscriber(ann_.id, 10);
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().issue_id, issue_);
  EXPECT_EQ(events->front().source, "ses");
  // The same bounce again, signed with version 2: kept once.
  r = post("ses", sns(message, "2"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"duplicates\":1"), std::string::npos) << r.body;
  EXPECT_EQ(events_of(ann_.id), 1);
}

TEST_F(Webhooks, SesRefusesForgedStaleForeignTopicAndBadCertificateUrl) {
  const std::string message = ses_bounce("Permanent", "ann@example.net", "x@example.org");
  std::string forged = sns(message);
  const auto at = forged.find("ann@example.net");
  ASSERT_NE(at, std::string::npos);
  forged.replace(at, 3, "bob");
  EXPECT_EQ(post("ses", forged).status, 401);
  EXPECT_EQ(post("ses", sns(message, "2", "2023-11-14T21:00:00.000Z")).status, 401);
  EXPECT_EQ(post("ses", sns(message, "2", kNowIso, "arn:aws:sns:us-east-1:666:evil")).status, 401);
  EXPECT_EQ(post("ses", sns(message, "3")).status, 401);
  EXPECT_EQ(post("ses", "{}").status, 401);
  EXPECT_EQ(events_of(ann_.id), 0);
  EXPECT_FALSE(sns_certificate_url_ok("http://sns.us-east-1.amazonaws.com/a.pem"));
  EXPECT_FALSE(sns_certificate_url_ok("https://sns.us-east-1.amazonaws.com.evil.net/a.pem"));
  EXPECT_FALSE(sns_certificate_url_ok("https://evil@sns.us-east-1.amazonaws.com/a.pem"));
  EXPECT_FALSE(sns_certificate_url_ok("https://sns.us-east-1.amazonaws.com:8443/a.pem"));
  EXPECT_FALSE(sns_certificate_url_ok("https://s3.amazonaws.com/a.pem"));
  EXPECT_FALSE(sns_certificate_url_ok("https://sns.us-east-1.amazonaws.com/a.pem?x=1"));
  EXPECT_TRUE(sns_certificate_url_ok(kCertUrl));
  EXPECT_TRUE(sns_certificate_url_ok("https://sns.cn-north-1.amazonaws.com.cn/x.pem"));
}

TEST_F(Webhooks, SesCertificateMustNameSns) {
  std::ofstream(dir_ / "certs" / (sha256_hex(kCertUrl) + ".pem"), std::ios::trunc)
      << certificate(rsa_.get(), "evil.example.com");
  auto fresh = std::make_unique<Receiver>(
      settings_, ReceiverRoles{*store_ref_, *store_ref_, *store_ref_},
      std::make_shared<SnsCertificates>((dir_ / "certs").string(), nullptr), clock_);
  receiver_ = std::move(fresh);
  EXPECT_EQ(post("ses", sns(ses_bounce("Permanent", "ann@example.net", "x@example.org"))).status,
            401);
}

TEST_F(Webhooks, SesComplaintByAddressUnsubscribesAndSuppresses) {
  const std::string complaint =
      R"({"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"bo@example.net"}],)"
      R"("complaintFeedbackType":"abuse","feedbackId":"0100018bd-c-1","timestamp":"2023-11-14T22:13:19.000Z"},)"
      R"("mail":{"source":"desk@example.org","messageId":"0100018bd-0002","destination":["bo@example.net"]}})";
  auto r = post("ses", sns(complaint));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"recorded\":1"), std::string::npos) << r.body;
  EXPECT_TRUE(suppressed("bo@example.net"));
  auto subs = store_ref_->subscriptions_of(bo_.id);
  EXPECT_EQ((*subs)[0].status, SubscriptionStatus::unsubscribed);
  // A transient bounce of an address that is no reader: ignored.
  r = post("ses", sns(ses_bounce("Transient", "nobody@example.net", "x@example.org")));
  EXPECT_NE(r.body.find("\"ignored\":1"), std::string::npos) << r.body;
}

TEST_F(Webhooks, PostmarkNeedsItsBasicCredentials) {
  const std::string body = fmt::format(
      R"({{"RecordType":"Bounce","ID":4323372036854775807,"Type":"HardBounce","TypeCode":1,)"
      R"("Name":"Hard bounce","Tag":"","MessageID":"883953f4-6105-42a2-a16a-77a8eac79483",)"
      R"("Metadata":{{"broadsheet":"{}"}},"ServerID":23,"MessageStream":"broadcast",)"
      R"("Description":"The server was unable to deliver your message (ex: unknown user, mailbox not found).",)"
      R"("Details":"smtp;550 5.1.1 The email account that you tried to reach does not exist.",)"
      R"("Email":"ann@example.net","From":"desk@example.org","BouncedAt":"2023-11-14T22:13:19Z",)"
      R"("DumpAvailable":true,"Inactive":true,"CanActivate":true,"Subject":"Monday"}})",
      return_path(ann_.id, issue_));
  EXPECT_EQ(post("postmark", body).status, 401);
  EXPECT_EQ(
      post("postmark", body, {{"authorization", "Basic " + base64_encode("hook:wrong")}}).status,
      401);
  EXPECT_EQ(events_of(ann_.id), 0);
  auto r = post("postmark", body, {{"authorization", "Basic " + base64_encode("hook:s3cret")}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(suppressed("ann@example.net"));
  EXPECT_EQ(store_ref_->bounce_events_of_subscriber(ann_.id, 10)->front().issue_id, issue_);
  // A spam complaint record, by address.
  r = post("postmark",
           R"({"RecordType":"SpamComplaint","ID":42,"Type":"SpamComplaint","TypeCode":512,)"
           R"("Email":"bo@example.net","MessageID":"00000000-0000-0000-0000-000000000000"})",
           {{"authorization", "basic " + base64_encode("hook:s3cret")}});
  EXPECT_NE(r.body.find("\"recorded\":1"), std::string::npos) << r.body;
  EXPECT_TRUE(suppressed("bo@example.net"));
}

TEST_F(Webhooks, SendgridSignedEventsAndForgeries) {
  const std::string body = fmt::format(
      R"([{{"email":"ann@example.net","timestamp":{},"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>",)"
      R"("event":"bounce","category":["daily"],"sg_event_id":"6g4ZI7SA-xmRDv57GoPIPw==",)"
      R"("sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","reason":"500 unknown recipient",)"
      R"("status":"5.0.0","type":"bounce","broadsheet":"{}"}},)"
      R"({{"email":"bo@example.net","timestamp":{},"event":"delivered","sg_event_id":"d1"}},)"
      R"({{"email":"bo@example.net","timestamp":{},"event":"spamreport","sg_event_id":"s1"}}])",
      kNow, return_path(ann_.id, issue_), kNow, kNow);
  auto headers = sendgrid_headers(body);
  EXPECT_EQ(post("sendgrid", body + " ", headers).status, 401);  // body changed
  EXPECT_EQ(post("sendgrid", body).status, 401);                 // unsigned
  EXPECT_EQ(post("sendgrid", body, sendgrid_headers(body, kNow - 3600)).status, 401);  // stale
  Pkey other = p256_key();
  const std::string ts = std::to_string(kNow);
  EXPECT_EQ(post("sendgrid", body,
                 {{"x-twilio-email-event-webhook-signature",
                   base64_encode(sign(other.get(), EVP_sha256(), ts + body))},
                  {"x-twilio-email-event-webhook-timestamp", ts}})
                .status,
            401);
  EXPECT_EQ(events_of(ann_.id) + events_of(bo_.id), 0);
  auto r = post("sendgrid", body, headers);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"recorded\":2"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"ignored\":1"), std::string::npos) << r.body;
  EXPECT_TRUE(suppressed("ann@example.net"));
  EXPECT_TRUE(suppressed("bo@example.net"));
  r = post("sendgrid", body, headers);  // delivered twice: counted once
  EXPECT_NE(r.body.find("\"duplicates\":2"), std::string::npos) << r.body;
}

TEST_F(Webhooks, SendgridUnsubscribeLeavesTheIssuesNewsletter) {
  const std::string body = fmt::format(
      R"([{{"email":"ann@example.net","timestamp":{},"event":"unsubscribe","sg_event_id":"u1",)"
      R"("broadsheet":"{}"}}])",
      kNow, return_path(ann_.id, issue_));
  auto r = post("sendgrid", body, sendgrid_headers(body));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ((*store_ref_->subscriptions_of(ann_.id))[0].status, SubscriptionStatus::unsubscribed);
  EXPECT_FALSE(suppressed("ann@example.net"));
}

TEST_F(Webhooks, MailgunHmacTemporaryAndPermanent) {
  const std::string failed = fmt::format(
      R"({{"event":"failed","id":"G9Bn5sl1TC6dg4MyJ0X7jw","timestamp":{}.12,"severity":"{{}}",)"
      R"("reason":"generic","recipient":"ann@example.net","log-level":"error",)"
      R"("envelope":{{"sender":"{}","transport":"smtp","targets":"ann@example.net"}},)"
      R"("message":{{"headers":{{"message-id":"20231114221310.1.ABC@news.example.org"}}}},)"
      R"("delivery-status":{{"code":550,"message":"5.1.1 No such user","description":""}},)"
      R"("user-variables":{{}}}})",
      kNow, return_path(ann_.id, issue_));
  auto event = [&](const std::string& severity) {
    std::string e = failed;
    e.replace(e.find("{}"), 2, severity);
    return e;
  };
  EXPECT_EQ(post("mailgun", mailgun(event("permanent"), "wrong-key")).status, 401);
  EXPECT_EQ(post("mailgun", mailgun(event("permanent"), "key-mailgun", kNow - 3600)).status, 401);
  EXPECT_EQ(post("mailgun", event("permanent")).status, 401);
  EXPECT_EQ(events_of(ann_.id), 0);
  auto r = post("mailgun", mailgun(event("temporary"), "key-mailgun"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(suppressed("ann@example.net"));
  r = post("mailgun", mailgun(event("permanent"), "key-mailgun"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(suppressed("ann@example.net"));
  auto complained = mailgun(
      R"({"event":"complained","id":"c-1","recipient":"bo@example.net","message":{"headers":{}}})",
      "key-mailgun");
  r = post("mailgun", complained);
  EXPECT_NE(r.body.find("\"recorded\":1"), std::string::npos) << r.body;
  r = post("mailgun", complained);
  EXPECT_NE(r.body.find("\"duplicates\":1"), std::string::npos) << r.body;
}

TEST_F(Webhooks, UnknownOrUnconfiguredProviderIs404AndMalformedIs400) {
  EXPECT_EQ(post("sparkpost", "{}").status, 404);
  ReceiverSettings none;
  none.bounce.link_key = kKey;
  Receiver off(none, ReceiverRoles{*store_ref_, *store_ref_, *store_ref_}, nullptr, clock_);
  http::Request req;
  req.params["provider"] = "mailgun";
  EXPECT_EQ(off.handle(req).status, 404);
  const std::string body = R"({"not":"an array"})";
  EXPECT_EQ(post("sendgrid", body, sendgrid_headers(body)).status, 400);
}

TEST(Signatures, EcdsaRefusesOtherCurvesAndGarbage) {
  Pkey p384(EVP_EC_gen("P-384"));
  const std::string der = public_der(p384.get());
  EXPECT_FALSE(is_p256_public_key(der));
  EXPECT_FALSE(verify_ecdsa_p256(der, "x", sign(p384.get(), EVP_sha256(), "x")));
  EXPECT_FALSE(verify_ecdsa_p256("garbage", "x", "y"));
  EXPECT_FALSE(verify_rsa("not a pem", RsaDigest::sha256, "x", "y"));
}

}  // namespace
}  // namespace broadsheet::webhooks
