// A second opinion on the MIME writer: Python's email package reads back what it wrote.
// The test writes messages and the values they should decode to into a temporary
// folder, then runs testdata/check_mime.py on it.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "mime/mime.hpp"
#include "mime/testing.hpp"

namespace broadsheet::mime {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPython = "/usr/bin/python3";

using testing::json_string;

// Writes NAME.eml and NAME.json (what Python should decode) into `dir`.
void write_case(const fs::path& dir, const std::string& name, const OutgoingMessage& m) {
  auto bytes = build_message(m);
  ASSERT_TRUE(bytes.ok()) << name << ": " << bytes.error().message;
  std::ofstream(dir / (name + ".eml"), std::ios::binary) << *bytes;
  // A text-only body gains a final line break; a multipart body decodes exactly.
  std::string text = m.text_body;
  if (m.html_body.empty() && !text.empty() && !text.ends_with('\n')) text += '\n';
  std::string headers;
  for (const auto& [key, value] : m.extra_headers) {
    headers += (headers.empty() ? "" : ", ") + json_string(key) + ": " + json_string(value);
  }
  std::ofstream(dir / (name + ".json"), std::ios::binary)
      << "{\"subject\": " << json_string(m.subject)
      << ", \"from_name\": " << json_string(m.from.name)
      << ", \"from_address\": " << json_string(m.from.address)
      << ", \"to_name\": " << json_string(m.to.name)
      << ", \"to_address\": " << json_string(m.to.address) << ", \"text\": " << json_string(text)
      << ", \"html\": " << (m.html_body.empty() ? "null" : json_string(m.html_body))
      << ", \"headers\": {" << headers << "}}\n";
}

std::vector<std::pair<std::string, OutgoingMessage>> cases() {
  std::vector<std::pair<std::string, OutgoingMessage>> all;
  all.emplace_back("plain", testing::sample_message());

  auto m = testing::sample_message();
  m.subject =
      "Grüße aus Köln — Ihr Morgenbriefing für Freitag, den 29. November 2024, mit "
      "allen Nachrichten des Tages aus Politik, Wirtschaft, Kultur und Sport";
  m.from.name = "Kölner Stadt-Anzeiger, Redaktion";
  m.to.name = "Doe, Jane \"JD\" \\ Reader";
  m.reply_to = address::Mailbox{"Letters", "letters@news.example.com"};
  m.text_body = "Guten Morgen,\n\nheute: Straßenbahn, Bürgeramt = geschlossen.\n";
  m.html_body = "<!doctype html>\n<p style=\"color: #333\">Guten Morgen,</p>\n<p>Straße</p>";
  m.extra_headers = {
      {"List-Id", "Morgenbriefing <morgen.news.example.com>"},
      {"List-Unsubscribe",
       "<https://news.example.com/unsubscribe/" + std::string(56, 'T') +
           ">, <mailto:unsubscribe@news.example.com?subject=" + std::string(56, 'T') + ">"},
      {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
      {"Feedback-ID", "42:7:newsletter:broadsheet"}};
  all.emplace_back("german-multipart", m);

  m = testing::sample_message();
  m.subject =
      "😀🎉📰 Emoji everywhere 😀🎉📰 and more emoji "
      "🧪🧪🧪🧪🧪🧪🧪🧪🧪🧪🧪🧪🧪🧪🧪";
  m.from.name = "📰 The Paper 📰";
  m.to.name = "日本語の名前、とても長い名前の読者さん、ようこそニュースレターへ";
  m.text_body = std::string(200, 'x') +
                "\n日本語のニュースレター：今日の見出しと明日の予定、そして週末の"
                "特集記事のご案内です。日本語のニュースレター：今日の見出し";
  m.html_body = "<p>" + std::string(300, 'y') + "</p>";
  all.emplace_back("emoji-cjk", m);

  m = testing::sample_message();
  m.subject = "Looks =?UTF-8?Q?encoded?= but is not";
  m.from.name = "J. R. \"Fly Fishing\" Hartley";
  m.text_body =
      ".leading dot\r\ntrailing space \ntrailing tab\t\n= signs == here\r\n"
      "\ttabbed\n" +
      std::string(75, 'a') + " " + std::string(80, 'b') + "\n..\n";
  m.html_body = "<pre>\n  indented  \n</pre>\n";
  all.emplace_back("edges", m);

  m = testing::sample_message();
  m.subject = "  leading and  double spaces and a tab\there ";
  m.to.name = "=?UTF-8?B?bm90IHJlYWxseQ==?=";
  m.text_body = "no final newline";
  all.emplace_back("odd-spacing", m);
  return all;
}

TEST(MimePython, EmailPackageReadsBackWhatWasWritten) {
  if (!fs::exists(kPython)) GTEST_SKIP() << kPython << " is not installed";
  const fs::path script = fs::path(__FILE__).parent_path() / "testdata" / "check_mime.py";
  ASSERT_TRUE(fs::exists(script)) << script;
  std::string tmpl = (fs::temp_directory_path() / "broadsheet-mime-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path dir = tmpl;
  for (const auto& [name, message] : cases()) write_case(dir, name, message);

  const auto run = testing::run_command(std::string(kPython) + " '" + script.string() + "' '" +
                                        dir.string() + "'");
  EXPECT_EQ(run.status, 0) << run.output << "(messages kept in " << dir << ")";
  if (!HasFailure()) fs::remove_all(dir);
  std::printf("%s", run.output.c_str());
}

}  // namespace
}  // namespace broadsheet::mime
