#include "config/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace broadsheet {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bs-config-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& text) { std::ofstream(dir_ / "broadsheet.toml") << text; }
  EnvLookup env() {
    return [this](const std::string& k) -> std::optional<std::string> {
      auto it = env_.find(k);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }
  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(ConfigTest, DefaultsWithoutFile) {
  auto c = load_config(dir_.string(), env());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->database, "sqlite:broadsheet.db");
  EXPECT_EQ(c->http.listen, "127.0.0.1:8080");
  EXPECT_EQ(c->http.body_limit, 65536u);
  EXPECT_TRUE(c->http.access_log);
}

TEST_F(ConfigTest, DefaultFileParsesToDefaults) {
  write(default_config_toml());
  auto c = load_config(dir_.string(), env());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->log.level, "info");
}

TEST_F(ConfigTest, FileThenEnvironment) {
  write("[http]\nlisten = \"127.0.0.1:9000\"\nthreads = 3\n");
  env_["BROADSHEET_HTTP_THREADS"] = "5";
  env_["BROADSHEET_PUBLICATION_NAME"] = "The Gazette";
  auto c = load_config(dir_.string(), env());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->http.listen, "127.0.0.1:9000");
  EXPECT_EQ(c->http.threads, 5);
  EXPECT_EQ(c->publication.name, "The Gazette");
}

TEST_F(ConfigTest, BadValuesNameTheKey) {
  env_["BROADSHEET_HTTP_LISTEN"] = "nonsense";
  auto c = load_config(dir_.string(), env());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("http.listen"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("BROADSHEET_HTTP_LISTEN"), std::string::npos);

  env_.clear();
  write("[http]\nthreads = \"many\"\n");
  c = load_config(dir_.string(), env());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("http.threads"), std::string::npos) << c.error().message;

  write("[http]\nbody_limit = -1\n");
  c = load_config(dir_.string(), env());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("between"), std::string::npos) << c.error().message;
}

TEST_F(ConfigTest, UnknownKeysAndSyntaxErrorsAreRefused) {
  write("[http]\nlisten_port = 8080\n");
  auto c = load_config(dir_.string(), env());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("http.listen_port"), std::string::npos);

  write("[http\n");
  c = load_config(dir_.string(), env());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("broadsheet.toml:1"), std::string::npos)
      << c.error().message;
}

TEST_F(ConfigTest, ConnectionCapsAndTrustedProxies) {
  auto c = load_config(dir_.string(), env());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->http.max_connections, 0);  // from RLIMIT_NOFILE
  EXPECT_EQ(c->http.max_connections_per_client, 64);
  EXPECT_EQ(c->http.trusted_proxies, "");
  env_["BROADSHEET_HTTP_TRUSTED_PROXIES"] = "127.0.0.1, 10.0.0.0/8, fd00::/8";
  c = load_config(dir_.string(), env());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->http.trusted_proxies, "127.0.0.1, 10.0.0.0/8, fd00::/8");
  env_["BROADSHEET_HTTP_TRUSTED_PROXIES"] = "10.0.0.0/33";
  c = load_config(dir_.string(), env());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("http.trusted_proxies"), std::string::npos)
      << c.error().message;
}

TEST_F(ConfigTest, BooleansFromEnvironment) {
  env_["BROADSHEET_HTTP_ACCESS_LOG"] = "off";
  auto c = load_config(dir_.string(), env());
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->http.access_log);
  env_["BROADSHEET_HTTP_ACCESS_LOG"] = "maybe";
  EXPECT_FALSE(load_config(dir_.string(), env()).ok());
}

TEST(ParseListen, HostsAndPorts) {
  auto a = parse_listen("127.0.0.1:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  auto b = parse_listen("[::1]:0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_FALSE(parse_listen("8080").ok());
  EXPECT_FALSE(parse_listen("host:99999").ok());
  EXPECT_FALSE(parse_listen("host:").ok());
}

}  // namespace
}  // namespace broadsheet
