// The desk's sign-in on a real store and a fake clock: the session cookie's flags,
// idle and absolute expiry, sign-out, revocation when the user is removed or given a
// new password, the throttle per user and per client, and the same answer for an
// unknown user as for a wrong password.
#include <gtest/gtest.h>

#include "admin/credentials.hpp"
#include "admin/desk_auth.hpp"
#include "store/sqlite/test_support.hpp"

namespace broadsheet::admin {
namespace {

constexpr const char* kPassword = "correct horse battery";

class DeskAuthTest : public store::sqlite::testing::SqliteTest {
 protected:
  void SetUp() override {
    SqliteTest::SetUp();
    open();
    User u;
    u.username = "ada";
    u.password_hash = *hash_password(kPassword);
    u.role = UserRole::editor;
    ASSERT_TRUE(store_->add_user(u).ok());
  }

  DeskAuth auth(DeskAuthSettings settings = {}) {
    return DeskAuth(*store_, *store_, *store_, clock_, settings);
  }

  // The request a browser sends with the cookie of `set_cookie`.
  static http::Request with_cookie(const std::string& set_cookie) {
    http::Request r;
    r.path = r.target = "/admin";
    auto end = set_cookie.find(';');
    r.headers.emplace_back("cookie", "theme=dark; " + set_cookie.substr(0, end));
    return r;
  }
};

TEST_F(DeskAuthTest, ASessionCookieIsHttpOnlyStrictAndScopedToTheDesk) {
  auto plain = auth().sign_in("ada", kPassword, "192.0.2.1");
  ASSERT_EQ(plain.outcome, DeskAuth::SignIn::Outcome::signed_in);
  EXPECT_TRUE(plain.set_cookie.starts_with("bs_desk=")) << plain.set_cookie;
  EXPECT_NE(plain.set_cookie.find("; HttpOnly"), std::string::npos);
  EXPECT_NE(plain.set_cookie.find("; SameSite=Strict"), std::string::npos);
  EXPECT_NE(plain.set_cookie.find("; Path=/admin"), std::string::npos);
  EXPECT_EQ(plain.set_cookie.find("Secure"), std::string::npos);

  Config config;
  config.publication.base_url = "https://news.example.com";
  auto secure = auth(DeskAuthSettings::from(config)).sign_in("ada", kPassword, "192.0.2.1");
  EXPECT_NE(secure.set_cookie.find("; Secure"), std::string::npos) << secure.set_cookie;

  // Only the hash is stored.
  const std::string value = plain.set_cookie.substr(8, plain.set_cookie.find(';') - 8);
  EXPECT_EQ(scalar("SELECT count(*) FROM sessions WHERE id_hash = '" + api_token_hash(value) + "'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM sessions WHERE id_hash = '" + value + "'"), 0);
}

TEST_F(DeskAuthTest, SessionsEndWhenIdleWhenOldAndAtSignOut) {
  DeskAuthSettings settings;
  settings.idle = 3600;
  settings.lifetime = 4 * 3600;
  auto desk = auth(settings);
  auto in = desk.sign_in("ada", kPassword, "192.0.2.1");
  auto request = with_cookie(in.set_cookie);
  auto s = desk.session_of(request);
  ASSERT_TRUE(s.ok() && s->has_value());
  EXPECT_EQ((*s)->username, "ada");
  EXPECT_EQ((*s)->role, UserRole::editor);
  EXPECT_FALSE((*s)->session.csrf_token.empty());

  // Used every 50 minutes, it lives until its absolute end.
  for (int i = 0; i < 4; ++i) {
    clock_.advance(50 * 60);
    ASSERT_TRUE(desk.session_of(request)->has_value()) << i;
  }
  clock_.advance(50 * 60);  // 250 minutes after sign-in
  EXPECT_FALSE(desk.session_of(request)->has_value());

  in = desk.sign_in("ada", kPassword, "192.0.2.1");
  request = with_cookie(in.set_cookie);
  clock_.advance(3601);
  EXPECT_FALSE(desk.session_of(request)->has_value());

  in = desk.sign_in("ada", kPassword, "192.0.2.1");
  request = with_cookie(in.set_cookie);
  const std::string cleared = desk.sign_out(request);
  EXPECT_NE(cleared.find("Max-Age=0"), std::string::npos) << cleared;
  EXPECT_FALSE(desk.session_of(request)->has_value());
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'desk.sign_out'"), 1);
}

TEST_F(DeskAuthTest, ANewPasswordOrRemovalEndsTheUsersSessions) {
  auto desk = auth();
  auto request = with_cookie(desk.sign_in("ada", kPassword, "192.0.2.1").set_cookie);
  ASSERT_TRUE(desk.session_of(request)->has_value());
  ASSERT_TRUE(store_->set_password_hash("ada", *hash_password("another long password")).ok());
  EXPECT_FALSE(desk.session_of(request)->has_value());
  EXPECT_EQ(desk.sign_in("ada", kPassword, "192.0.2.1").outcome,
            DeskAuth::SignIn::Outcome::refused);

  request = with_cookie(desk.sign_in("ada", "another long password", "192.0.2.1").set_cookie);
  ASSERT_TRUE(desk.session_of(request)->has_value());
  ASSERT_TRUE(store_->remove_user("ada").ok());
  EXPECT_FALSE(desk.session_of(request)->has_value());
  EXPECT_EQ(scalar("SELECT count(*) FROM sessions"), 0);
  EXPECT_EQ(store_->remove_user("ada").error().code, Errc::not_found);
}

TEST_F(DeskAuthTest, SignInIsThrottledPerUserAndPerClient) {
  DeskAuthSettings settings;
  settings.attempts = 3;
  settings.window = 900;
  auto desk = auth(settings);
  using Outcome = DeskAuth::SignIn::Outcome;
  for (int i = 0; i < 3; ++i) {
    clock_.advance(10);
    EXPECT_EQ(desk.sign_in("ada", "wrong password!", "192.0.2.1").outcome, Outcome::refused);
  }
  // The right password no longer helps, from anywhere, for that user...
  auto throttled = desk.sign_in("ada", kPassword, "198.51.100.9");
  EXPECT_EQ(throttled.outcome, Outcome::throttled);
  EXPECT_EQ(throttled.retry_after, 900 - 20);
  // ...nor for another name from that client.
  EXPECT_EQ(desk.sign_in("bob", "whatever it is", "192.0.2.1").outcome, Outcome::throttled);
  EXPECT_GE(scalar("SELECT count(*) FROM audit_log WHERE action = 'desk.sign_in_throttled'"), 2);
  clock_.advance(900);
  EXPECT_EQ(desk.sign_in("ada", kPassword, "198.51.100.9").outcome, Outcome::signed_in);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'desk.sign_in_failed'"), 3);
}

TEST_F(DeskAuthTest, AnUnknownUserGetsTheAnswerOfAWrongPassword) {
  auto desk = auth();
  auto unknown = desk.sign_in("nobody", kPassword, "192.0.2.1");
  auto wrong = desk.sign_in("ada", "not the password", "192.0.2.2");
  EXPECT_EQ(unknown.outcome, DeskAuth::SignIn::Outcome::refused);
  EXPECT_EQ(wrong.outcome, DeskAuth::SignIn::Outcome::refused);
  EXPECT_TRUE(unknown.set_cookie.empty() && wrong.set_cookie.empty());
  EXPECT_EQ(desk.sign_in(std::string(65, 'a'), kPassword, "192.0.2.3").outcome,
            DeskAuth::SignIn::Outcome::refused);
}

TEST_F(DeskAuthTest, TheSignInFormsTokenIsBoundToItsBrowsersPreSessionCookie) {
  DeskAuthSettings settings;
  settings.form_key = "the site's key";
  auto desk = auth(settings);
  http::Request fresh;
  fresh.path = fresh.target = "/admin/login";
  auto form = desk.sign_in_form(fresh);
  EXPECT_TRUE(form.set_cookie.starts_with("bs_login=")) << form.set_cookie;
  EXPECT_NE(form.set_cookie.find("; Path=/admin/login; HttpOnly; SameSite=Strict"),
            std::string::npos)
      << form.set_cookie;
  EXPECT_FALSE(desk.sign_in_form_ok(fresh, form.token));  // no cookie sent: refused

  auto browser = with_cookie(form.set_cookie);
  EXPECT_TRUE(desk.sign_in_form_ok(browser, form.token));
  EXPECT_FALSE(desk.sign_in_form_ok(browser, ""));
  EXPECT_FALSE(desk.sign_in_form_ok(browser, form.token.substr(1) + "0"));
  // The form again in the same browser: the cookie stays, the token is the same.
  auto again = desk.sign_in_form(browser);
  EXPECT_TRUE(again.set_cookie.empty());
  EXPECT_EQ(again.token, form.token);
  // Another node of the site (the same key) takes it; another key does not, nor does
  // another browser's cookie with this token.
  settings.form_key = "the site's key";
  EXPECT_TRUE(auth(settings).sign_in_form_ok(browser, form.token));
  settings.form_key = "another key";
  EXPECT_FALSE(auth(settings).sign_in_form_ok(browser, form.token));
  auto other = desk.sign_in_form(fresh);
  EXPECT_NE(other.set_cookie, form.set_cookie);
  EXPECT_FALSE(desk.sign_in_form_ok(with_cookie(other.set_cookie), form.token));
  // A cookie of another shape is replaced, never trusted.
  auto odd = with_cookie("bs_login=short");
  EXPECT_FALSE(desk.sign_in_form(odd).set_cookie.empty());
}

TEST(DeskCookie, ValueIsFoundAmongOthers) {
  http::Request r;
  r.headers.emplace_back("cookie", "a=1; bs_desk=xyz;b=2");
  EXPECT_EQ(cookie_value(r, "bs_desk"), "xyz");
  EXPECT_EQ(cookie_value(r, "b"), "2");
  EXPECT_FALSE(cookie_value(r, "c").has_value());
}

}  // namespace
}  // namespace broadsheet::admin
