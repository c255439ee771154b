#include "cli/toml_edit.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "config/config.hpp"

namespace broadsheet::cli {
namespace {

std::string set(std::string_view text, std::string_view value) {
  auto out = set_toml_string(text, "dkim", "keys", value);
  EXPECT_TRUE(out.ok()) << out.error().message;
  return out.ok() ? *out : std::string();
}

TEST(TomlEdit, ReplacesTheKeysLineOnly) {
  std::string text =
      "# top\r\ndatabase = \"sqlite:x.db\"\r\n\r\n[dkim]\r\n# the keys\r\n"
      "keys = \"old\"   # a comment\r\nother = 1\r\n\r\n[log]\r\nkeys = \"not this\"\r\n";
  EXPECT_EQ(set(text, "a.example:s:ed25519:secrets/k.pem"),
            "# top\r\ndatabase = \"sqlite:x.db\"\r\n\r\n[dkim]\r\n# the keys\r\n"
            "keys = \"a.example:s:ed25519:secrets/k.pem\"   # a comment\r\nother = 1\r\n\r\n"
            "[log]\r\nkeys = \"not this\"\r\n");
}

TEST(TomlEdit, KeepsIndentAndTakesLiteralStrings) {
  EXPECT_EQ(set("[dkim]\n  keys='x' \n", "y"), "[dkim]\n  keys = \"y\" \n");
  EXPECT_EQ(set("[ dkim ]\nkeys=\"a\\\"b\"\n", "c"), "[ dkim ]\nkeys = \"c\"\n");
  // "keysets" is another key.
  EXPECT_EQ(set("[dkim]\nkeysets = 1\n", "v"), "[dkim]\nkeys = \"v\"\nkeysets = 1\n");
}

TEST(TomlEdit, AddsTheKeyOrTheSection) {
  EXPECT_EQ(set("[dkim]\n[log]\nlevel = \"info\"\n", "v"),
            "[dkim]\nkeys = \"v\"\n[log]\nlevel = \"info\"\n");
  EXPECT_EQ(set("[log]\nlevel = \"info\"", "v"),
            "[log]\nlevel = \"info\"\n\n[dkim]\nkeys = \"v\"\n");
  EXPECT_EQ(set("", "v"), "\n[dkim]\nkeys = \"v\"\n");
}

TEST(TomlEdit, EscapesAndRefuses) {
  EXPECT_EQ(set("[dkim]\nkeys = \"\"\n", "a\"b\\c"), "[dkim]\nkeys = \"a\\\"b\\\\c\"\n");
  EXPECT_FALSE(set_toml_string("[dkim]\nkeys = \"\"\n", "dkim", "keys", "a\nb").ok());
  auto multi = set_toml_string("[dkim]\nkeys = \"\"\"\nx\"\"\"\n", "dkim", "keys", "v");
  ASSERT_FALSE(multi.ok());
  EXPECT_EQ(multi.error().code, Errc::invalid_argument);
}

TEST(TomlEdit, TheDefaultFileTakesTheNewValue) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("bs-toml-edit-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string original = default_config_toml();
  auto edited = set_toml_string(original, "dkim", "keys", "news.example.com:s1:rsa:secrets/k.pem");
  ASSERT_TRUE(edited.ok());
  // One line differs.
  EXPECT_EQ(edited->size() - original.size(),
            std::string("news.example.com:s1:rsa:secrets/k.pem").size());
  std::string path = (dir / "broadsheet.toml").string();
  std::ofstream(path) << "old";
  ::chmod(path.c_str(), 0640);
  ASSERT_TRUE(replace_file(path, *edited).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  auto config = load_config(dir.string(), [](const std::string&) { return std::nullopt; });
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->dkim.keys, "news.example.com:s1:rsa:secrets/k.pem");
  fs::remove_all(dir);
}

TEST(TomlEdit, ALinkedFileIsEditedWhereItIs) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("bs-toml-link-" + std::to_string(::getpid()));
  fs::create_directories(dir / "etc");
  fs::create_directories(dir / "data");
  std::string target = (dir / "etc" / "broadsheet.toml").string();
  std::ofstream(target) << "[dkim]\nkeys = \"\"\n";
  ::chmod(target.c_str(), 0640);
  fs::path link = dir / "data" / "broadsheet.toml";
  fs::create_symlink(target, link);
  ASSERT_TRUE(replace_file(link.string(), "[dkim]\nkeys = \"x\"\n").ok());
  EXPECT_TRUE(fs::is_symlink(link));
  std::ifstream in(target);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "[dkim]\nkeys = \"x\"\n");
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_FALSE(fs::exists(dir / "data" / "broadsheet.toml.new"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace broadsheet::cli
