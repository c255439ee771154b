// broadsheet.toml's transport key and [smtp] section, read by load_config and turned
// into PoolOptions by pool_options_from.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "config/config.hpp"
#include "smtp/smtp.hpp"
#include "smtp/test_servers.hpp"

namespace broadsheet::smtp {
namespace {

using ::testing::HasSubstr;

class SmtpOptions : public ::testing::Test {
 protected:
  void write(const std::string& text) { std::ofstream(dir_.path() / "broadsheet.toml") << text; }
  Result<Config> load() {
    return load_config(dir_.path().string(),
                       [this](const std::string& k) -> std::optional<std::string> {
                         auto it = env_.find(k);
                         if (it == env_.end()) return std::nullopt;
                         return it->second;
                       });
  }
  testing::TempDir dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(SmtpOptions, DefaultsFollowRfc5321) {
  auto c = load();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->transport, "outbox");
  EXPECT_FALSE(pool_options_from(*c).ok());  // no host yet
  c->smtp.host = "smtp.example.net";
  auto o = pool_options_from(*c);
  ASSERT_TRUE(o.ok()) << o.error().message;
  ASSERT_EQ(o->relays.size(), 1u);
  const auto& r = o->relays[0];
  EXPECT_EQ(r.port, 25);
  EXPECT_EQ(r.tls, TlsMode::starttls);
  EXPECT_TRUE(r.verify_certificate);
  EXPECT_EQ(r.pool_size, 4);
  EXPECT_EQ(r.messages_per_connection, 1000);
  EXPECT_EQ(o->timeouts.connect, std::chrono::seconds(300));
  EXPECT_EQ(o->timeouts.mail, std::chrono::seconds(300));
  EXPECT_EQ(o->timeouts.rcpt, std::chrono::seconds(300));
  EXPECT_EQ(o->timeouts.data, std::chrono::seconds(120));
  EXPECT_EQ(o->timeouts.data_block, std::chrono::seconds(180));
  EXPECT_EQ(o->timeouts.data_end, std::chrono::seconds(600));
  EXPECT_EQ(o->threads, 1);
}

TEST_F(SmtpOptions, TheDefaultFileDocumentsTheKeys) {
  const std::string toml = default_config_toml();
  EXPECT_THAT(toml, HasSubstr("transport = \"outbox\""));
  EXPECT_THAT(toml, HasSubstr("[smtp]"));
  EXPECT_THAT(toml, HasSubstr("(BROADSHEET_SMTP_TLS)"));
  EXPECT_THAT(toml, HasSubstr("HOST:PORT[:TLS[:WEIGHT]]"));
  write(toml);
  ASSERT_TRUE(load().ok());
}

TEST_F(SmtpOptions, FileAndEnvironment) {
  write(
      "transport = \"smtp\"\n"
      "[smtp]\n"
      "host = \"relay.example.net\"\nport = 587\ntls = \"starttls\"\n"
      "ca_file = \"ca.pem\"\nusername = \"news\"\npassword = \"in the file\"\n"
      "pool_size = 8\nmessages_per_connection = 50\nweight = 3\nhelo_name = \"news.example.org\"\n"
      "relays = \"mx2.example.net:465:tls:2, [2001:db8::25]:25:none, 10.0.0.7:2525\"\n"
      "timeout_rcpt = 30\n");
  env_["BROADSHEET_SMTP_PORT"] = "2587";
  env_["BROADSHEET_SMTP_VERIFY"] = "false";
  auto c = load();
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->transport, "smtp");
  auto o = pool_options_from(*c);
  ASSERT_TRUE(o.ok()) << o.error().message;
  ASSERT_EQ(o->relays.size(), 4u);
  const auto& main = o->relays[0];
  EXPECT_EQ(main.host, "relay.example.net");
  EXPECT_EQ(main.port, 2587);
  EXPECT_FALSE(main.verify_certificate);
  EXPECT_EQ(main.ca_file, (dir_.path() / "ca.pem").string());
  EXPECT_EQ(main.username, "news");
  EXPECT_EQ(main.password, "in the file");
  EXPECT_EQ(main.pool_size, 8);
  EXPECT_EQ(main.messages_per_connection, 50);
  EXPECT_EQ(main.weight, 3);
  EXPECT_EQ(o->helo_name, "news.example.org");
  EXPECT_EQ(o->timeouts.rcpt, std::chrono::seconds(30));

  EXPECT_EQ(o->relays[1].host, "mx2.example.net");
  EXPECT_EQ(o->relays[1].port, 465);
  EXPECT_EQ(o->relays[1].tls, TlsMode::tls);
  EXPECT_EQ(o->relays[1].weight, 2);
  EXPECT_EQ(o->relays[1].username, "news");  // shared
  EXPECT_EQ(o->relays[2].host, "2001:db8::25");
  EXPECT_EQ(o->relays[2].tls, TlsMode::none);
  EXPECT_EQ(o->relays[2].weight, 1);
  EXPECT_EQ(o->relays[3].port, 2525);
  EXPECT_EQ(o->relays[3].tls, TlsMode::starttls);  // the section's
}

TEST_F(SmtpOptions, EnvironmentAlone) {
  env_["BROADSHEET_TRANSPORT"] = "smtp";
  env_["BROADSHEET_SMTP_HOST"] = "127.0.0.1";
  env_["BROADSHEET_SMTP_PORT"] = "2525";
  env_["BROADSHEET_SMTP_TLS"] = "none";
  auto c = load();
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto o = pool_options_from(*c);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->relays[0].port, 2525);
  EXPECT_EQ(o->relays[0].tls, TlsMode::none);
}

TEST_F(SmtpOptions, BadValuesNameTheKey) {
  for (auto [key, value, named] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"BROADSHEET_TRANSPORT", "sendmail", "transport"},
           {"BROADSHEET_SMTP_TLS", "ssl", "smtp.tls"},
           {"BROADSHEET_SMTP_PORT", "0", "smtp.port"},
           {"BROADSHEET_SMTP_HOST", "a b", "smtp.host"},
           {"BROADSHEET_SMTP_RELAYS", "mx2.example.net", "smtp.relays"},
           {"BROADSHEET_SMTP_RELAYS", "mx2.example.net:25:ssl", "smtp.relays"},
           {"BROADSHEET_SMTP_RELAYS", "mx2.example.net:25:none:0", "smtp.relays"},
           {"BROADSHEET_SMTP_RELAYS", "[::1:25", "smtp.relays"},
           {"BROADSHEET_SMTP_POOL_SIZE", "0", "smtp.pool_size"}}) {
    env_.clear();
    env_[key] = value;
    auto c = load();
    ASSERT_FALSE(c.ok()) << key << "=" << value;
    EXPECT_THAT(c.error().message, HasSubstr(named + " (" + key + ")"));
  }
}

TEST_F(SmtpOptions, PasswordFileMustBeTheOwnersAlone) {
  std::filesystem::create_directories(dir_.path() / "secrets");
  const auto secret = dir_.path() / "secrets" / "smtp.password";
  std::ofstream(secret) << "s3cret\r\nignored\n";
  ::chmod(secret.c_str(), 0644);
  write(
      "[smtp]\nhost = \"relay.example.net\"\nusername = \"news\"\n"
      "password_file = \"smtp.password\"\n");
  auto c = load();
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto exposed = pool_options_from(*c);
  ASSERT_FALSE(exposed.ok());
  EXPECT_EQ(exposed.error().code, Errc::config);
  EXPECT_THAT(exposed.error().message, HasSubstr("smtp.password_file"));
  EXPECT_THAT(exposed.error().message, HasSubstr("chmod 600"));

  ::chmod(secret.c_str(), 0600);
  auto o = pool_options_from(*c);
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->relays[0].password, "s3cret");

  c->smtp.password_file = "missing";
  EXPECT_FALSE(pool_options_from(*c).ok());
}

}  // namespace
}  // namespace broadsheet::smtp
