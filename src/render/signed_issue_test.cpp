#include "render/signed_issue.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "mime/testing.hpp"
#include "render/testing.hpp"

namespace broadsheet::render {
namespace {

namespace fs = std::filesystem;
using mime::testing::counting_random;

constexpr UnixSeconds kSignedDate = 1732860000;

dkim::DkimSigner::Key make_key(DkimAlgorithm algorithm, const std::string& selector) {
  auto pem = dkim::generate_dkim_key_pem(algorithm);
  EXPECT_TRUE(pem.ok());
  auto key = dkim::parse_dkim_key(*pem, algorithm, "test");
  EXPECT_TRUE(key.ok());
  return {"news.example.com", selector, *key};
}

// dkimpy's verdict per message ("pass pass" for two good signatures).
std::vector<std::string> dkimpy(const std::vector<std::string>& messages,
                                const std::vector<dkim::DkimSigner::Key>& keys) {
  std::string tmpl = (fs::temp_directory_path() / "broadsheet-signed-XXXXXX").string();
  EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path dir = tmpl;
  std::string list, records;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const fs::path path = dir / (std::to_string(i) + ".eml");
    std::ofstream(path, std::ios::binary) << messages[i];
    list += (i ? ", \"" : "\"") + path.string() + "\"";
  }
  for (const auto& k : keys) {
    records += (records.empty() ? "\"" : ", \"") + dkim::dkim_record_name(k.selector, k.domain) +
               "\": \"" + dkim::dkim_txt_record(k.key) + "\"";
  }
  std::ofstream(dir / "case.json")
      << "{\"records\": {" << records << "}, \"messages\": [" << list << "]}\n";
  const fs::path script =
      fs::path(__FILE__).parent_path().parent_path() / "dkim" / "testdata" / "verify_dkim.py";
  const std::string command = "/usr/bin/python3 " + script.string() + " " +
                              (dir / "case.json").string() + " > " + (dir / "out.txt").string() +
                              " 2> " + (dir / "err.txt").string();
  const int rc = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << command;
  std::vector<std::string> lines;
  std::ifstream in(dir / "out.txt");
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::ifstream err(dir / "err.txt");
  const std::string why((std::istreambuf_iterator<char>(err)), {});
  if (!why.empty()) std::printf("dkimpy: %s", why.c_str());
  fs::remove_all(dir);
  return lines;
}

TEST(SignedIssue, SignatureSitsInFrontOfTheUnchangedMessageAndVerifies) {
  if (!fs::exists("/usr/bin/python3")) GTEST_SKIP();
  const std::vector<dkim::DkimSigner::Key> keys = {make_key(DkimAlgorithm::ed25519_sha256, "ed"),
                                                   make_key(DkimAlgorithm::rsa_sha256, "rsa")};
  auto signer = dkim::DkimSigner::create(keys);
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  auto prepared = PreparedIssue::prepare(testing::sample_input());
  ASSERT_TRUE(prepared.ok());
  const SignedIssue signed_issue(*prepared, *signer);

  std::vector<std::string> messages;
  for (int i = 0; i < 4; ++i) {
    auto reader = testing::sample_reader(i);
    if (i == 2) reader.name = "Zoë Ångström 日本";
    auto wire = signed_issue.message_for(reader, kSignedDate, counting_random);
    ASSERT_TRUE(wire.ok()) << wire.error().message;
    const std::string unsigned_message =
        prepared->message_for(reader, kSignedDate, counting_random).value();
    ASSERT_TRUE(wire->ends_with(unsigned_message));
    const std::string fields = wire->substr(0, wire->size() - unsigned_message.size());
    EXPECT_TRUE(fields.starts_with("DKIM-Signature: ")) << fields;
    EXPECT_EQ(fields.find("DKIM-Signature: ", 1) != std::string::npos, true) << "two keys";
    messages.push_back(*wire);
  }
  std::string tampered = messages[0];
  tampered.replace(tampered.find("Council approves"), 7, "Mayor o");
  messages.push_back(tampered);

  const auto verdicts = dkimpy(messages, keys);
  ASSERT_EQ(verdicts.size(), messages.size());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(verdicts[i], "pass pass") << "message " << i;
  EXPECT_EQ(verdicts[4], "fail fail");
}

TEST(SignedIssue, WithoutKeysTheMessageIsUnsigned) {
  auto prepared = PreparedIssue::prepare(testing::sample_input(1));
  ASSERT_TRUE(prepared.ok());
  const dkim::DkimSigner none;
  const SignedIssue signed_issue(*prepared, none);
  const auto reader = testing::sample_reader();
  EXPECT_EQ(signed_issue.message_for(reader, kSignedDate, counting_random).value(),
            prepared->message_for(reader, kSignedDate, counting_random).value());
}

}  // namespace
}  // namespace broadsheet::render
