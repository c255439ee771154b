#include "core/secret_file.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace broadsheet {
namespace {

namespace fs = std::filesystem;

class SecretFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/broadsheet-secret-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& content, mode_t mode) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << content;
    ::chmod(path.c_str(), mode);
    return path;
  }
  fs::path dir_;
};

TEST_F(SecretFileTest, ReadsAFileOnlyItsOwnerMayRead) {
  const auto path = write("key", "first\r\nsecond\n", 0600);
  auto text = read_secret_file({path, "key file", 100, ""});
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "first\r\nsecond\n");
  auto line = read_secret_line({path, "key file", 100, ""});
  ASSERT_TRUE(line.ok()) << line.error().message;
  EXPECT_EQ(*line, "first");
}

TEST_F(SecretFileTest, RefusesAFileOthersMayOpen) {
  const auto path = write("key", "k\n", 0640);
  auto text = read_secret_file({path, "key file", 100, ""});
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code, Errc::config);
  EXPECT_EQ(text.error().message, "key file " + path +
                                      " is open to others (mode 0640); it must be readable by "
                                      "its owner only: chmod 600 " +
                                      path);
}

TEST_F(SecretFileTest, NamesWhatIsWrongWithThePath) {
  const std::string missing = (dir_ / "none").string();
  auto gone = read_secret_file({missing, "secret", 100, "; run `broadsheet init`"});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().message, "secret " + missing + " does not exist; run `broadsheet init`");

  fs::create_directory(dir_ / "folder");
  ::chmod((dir_ / "folder").c_str(), 0700);
  auto folder = read_secret_file({(dir_ / "folder").string(), "secret", 100, ""});
  ASSERT_FALSE(folder.ok());
  EXPECT_NE(folder.error().message.find("is not a regular file"), std::string::npos);

  const auto big = write("big", std::string(101, 'x'), 0600);
  auto large = read_secret_file({big, "secret", 100, ""});
  ASSERT_FALSE(large.ok());
  EXPECT_EQ(large.error().message, "secret " + big + " is too large");
}

}  // namespace
}  // namespace broadsheet
