// Our challenges, solved by the real ALTCHA code (testdata/solve_with_altcha.mjs under
// node), must verify here; and altcha-lib's own verifier must accept our signatures.
// The packages are the project's own node_modules/ (altcha 3.x and altcha-lib 2.x, pinned
// by package.json and installed by scripts/install-deps --test); BROADSHEET_ALTCHA_PACKAGES
// may name another folder holding both. Without node or the packages the test fails: it
// must not pass by not running.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "robot/altcha.hpp"

namespace broadsheet::robot {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

TEST(RobotWidgetCompat, RealAltchaSolutionsVerify) {
  const char* from_env = std::getenv("BROADSHEET_ALTCHA_PACKAGES");
  std::string packages = from_env != nullptr ? from_env : BROADSHEET_NODE_MODULES;
  for (const char* package : {"altcha/package.json", "altcha-lib/package.json"}) {
    ASSERT_TRUE(fs::exists(fs::path(packages) / package))
        << "no " << package << " in " << packages << ": run scripts/install-deps --test";
  }
  fs::path script = fs::path(__FILE__).parent_path() / "testdata" / "solve_with_altcha.mjs";
  ASSERT_TRUE(fs::exists(script)) << "no " << script;
  ASSERT_EQ(std::system("command -v node >/dev/null 2>&1"), 0) << "node is not on the PATH";

  RobotConfig config;
  config.hmac_key = "compat-test-key-0123456789";
  config.v1_max_number = 20'000;
  config.version = 2;
  config.accept_previous = true;  // both versions are tried
  struct Kdf {
    const char* algorithm;
    int cost, key_length, memory_cost, prefix_digits;
  };
  fs::path dir = fs::temp_directory_path() / ("robot-compat-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  int issued = 0;
  {
    std::ofstream challenges(dir / "challenges.jsonl");
    challenges << json::serialize(*issue_challenge(1, config, SystemClock::instance())) << "\n";
    ++issued;
    for (Kdf k : {Kdf{"PBKDF2/SHA-256", 1000, 32, 0, 2}, Kdf{"PBKDF2/SHA-512", 200, 16, 0, 2},
                  Kdf{"SHA-256", 10, 32, 0, 3}, Kdf{"SHA-384", 5, 48, 0, 1},
                  Kdf{"SCRYPT", 1024, 32, 8, 1}}) {
      RobotConfig v2 = config;
      v2.v2_algorithm = k.algorithm;
      v2.v2_cost = k.cost;
      v2.v2_key_length = k.key_length;
      v2.v2_memory_cost = k.memory_cost;
      v2.v2_prefix_digits = k.prefix_digits;
      auto challenge = issue_challenge(2, v2, SystemClock::instance());
      ASSERT_TRUE(challenge.ok()) << k.algorithm << ": " << challenge.error().message;
      challenges << json::serialize(*challenge) << "\n";
      ++issued;
    }
  }
  std::string command = "node '" + script.string() + "' '" + packages + "' '" + config.hmac_key +
                        "' < '" + (dir / "challenges.jsonl").string() + "' > '" +
                        (dir / "payloads.jsonl").string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  std::ifstream payloads(dir / "payloads.jsonl");
  int verified = 0;
  for (std::string line; std::getline(payloads, line);) {
    json::object row = json::parse(line).as_object();
    SCOPED_TRACE(line);
    auto solution = verify_solution(row.at("payload").as_string(), config, SystemClock::instance());
    ASSERT_TRUE(solution.ok()) << solution.error().message;
    EXPECT_EQ(solution->version, row.at("version").as_int64());
    EXPECT_EQ(row.at("referenceVerified"), json::value(true)) << "altcha-lib refused our signature";
    ++verified;
  }
  EXPECT_EQ(verified, 2 * issued);  // one payload from the widget's solver, one from altcha-lib's
  fs::remove_all(dir);
}

}  // namespace
}  // namespace broadsheet::robot
