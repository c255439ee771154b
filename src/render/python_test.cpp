// A second opinion on rendered issues: Python's email package (policy.default) reads
// every message back with no defect, and both bodies decode to what was meant. The
// test writes messages and expectations into a temporary folder, then runs
// testdata/check_issue.py (which applies src/mime/testdata/check_mime.py's checks too).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "mime/testing.hpp"
#include "render/testing.hpp"

namespace broadsheet::render {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPython = "/usr/bin/python3";
constexpr UnixSeconds kPythonDate = 1732860000;

using mime::testing::json_string;

std::string json_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) out += (out.size() > 1 ? ", " : "") + json_string(item);
  return out + "]";
}

struct Case {
  std::string name;
  IssueRenderInput input;
  ReaderFields reader;
  std::string list_id;  // List-Id as Python decodes it
  std::vector<std::string> text_has = {}, html_has = {}, text_lacks = {}, html_lacks = {};
};

Case make_case(std::string name, IssueRenderInput input, ReaderFields reader, std::string list_id) {
  Case c;
  c.name = std::move(name);
  c.input = std::move(input);
  c.reader = std::move(reader);
  c.list_id = std::move(list_id);
  return c;
}

void write_case(const fs::path& dir, const Case& c) {
  auto prepared = PreparedIssue::prepare(c.input);
  ASSERT_TRUE(prepared.ok()) << c.name << ": " << prepared.error().message;
  auto message = prepared->message_for(c.reader, kPythonDate);
  ASSERT_TRUE(message.ok()) << c.name << ": " << message.error().message;
  std::ofstream(dir / (c.name + ".eml"), std::ios::binary) << *message;
  const auto& r = c.reader;
  std::string unsubscribe = "<" + r.unsubscribe_url + ">";
  if (!r.unsubscribe_mailto.empty()) unsubscribe += ", <mailto:" + r.unsubscribe_mailto + ">";
  const std::string from_name = c.input.newsletter.from_address.empty()
                                    ? prepared->from().name
                                    : c.input.newsletter.from_name;
  std::ofstream(dir / (c.name + ".json"), std::ios::binary)
      << "{\"subject\": " << json_string(c.input.issue.subject)
      << ", \"from_name\": " << json_string(from_name)
      << ", \"from_address\": " << json_string(prepared->from().address)
      << ", \"to_name\": " << json_string(r.name) << ", \"to_address\": " << json_string(r.email)
      << ", \"text\": " << json_string(prepared->text_for(r).value())
      << ", \"html\": " << json_string(prepared->html_for(r).value()) << ", \"headers\": {"
      << "\"List-Id\": " << json_string(c.list_id)
      << ", \"List-Unsubscribe\": " << json_string(unsubscribe)
      << ", \"List-Unsubscribe-Post\": \"List-Unsubscribe=One-Click\""
      << ", \"Feedback-ID\": "
      << json_string("42:" + c.input.newsletter.slug + ":newsletter:broadsheet")
      << "}, \"text_has\": " << json_list(c.text_has) << ", \"html_has\": " << json_list(c.html_has)
      << ", \"text_lacks\": " << json_list(c.text_lacks)
      << ", \"html_lacks\": " << json_list(c.html_lacks)
      << ", \"no_headers\": [\"Bcc\", \"Cc\"], \"max_body_line\": 76}\n";
}

std::vector<Case> cases() {
  std::vector<Case> all;
  const std::string list_id = "\"The Morning Briefing\" <morning.news.example.com>";
  Case c = make_case("ascii", testing::sample_input(), testing::sample_reader(), list_id);
  c.text_has = {"Good morning Ada Lovelace,", "the full story [1].",
                "[1] https://news.example.com/2024/11/29/tram-line-1?utm_source=newsletter",
                "Unsubscribe: " + c.reader.unsubscribe_url, "Friday, 29 November 2024"};
  c.html_has = {"Good morning Ada Lovelace,", "href=\"" + c.reader.unsubscribe_url + "\"",
                "alt=\"The planned route across the river\"", "max-width:600px"};
  c.text_lacks = {"<p", "**"};
  all.push_back(c);

  c = make_case("german", testing::sample_input(2), testing::sample_reader(2),
                "Frühstücksbriefing <fruehstueck.news.example.com>");
  c.input.issue.subject =
      "Grüße aus Köln: Straßenbahn genehmigt, Haushaltsstreit vertagt — und eine Woche "
      "Sonne für das ganze Rheinland";
  c.input.newsletter.slug = "fruehstueck";
  c.input.newsletter.name = "Frühstücksbriefing";
  c.input.newsletter.from_name = "Kölner Frühstücksbriefing, Redaktion";
  c.reader.name = "Jürgen Groß-Übelhör";
  c.reader.email_display = "jürgen@bücher.example";
  c.reader.issue_date = "Freitag, 29. November 2024";
  c.text_has = {"Good morning Jürgen Groß-Übelhör,", "jürgen@bücher.example",
                "Freitag, 29. November 2024", "Königstraße"};
  c.html_has = {"Good morning Jürgen Groß-Übelhör,", "Frühstücksbriefing"};
  all.push_back(c);

  c = make_case("cjk-emoji", testing::sample_input(1), testing::sample_reader(3), list_id);
  c.input.issue.subject =
      "😀📰 今日のニュース：路面電車の新路線が承認されました 🚋 そして週末の天気 "
      "☀️☀️";
  c.input.issue.preheader = "市議会は31対24で可決 — 😀";
  c.reader.name = "山田 太郎（やまだ たろう）、ニュースレターの長い名前の読者さん";
  c.text_has = {"Good morning " + c.reader.name + ","};
  c.html_has = {"市議会は31対24で可決 — 😀"};
  all.push_back(c);

  c = make_case("no-name-no-mailto", testing::sample_input(1), testing::sample_reader(4), list_id);
  c.reader.name = "";
  c.reader.unsubscribe_mailto = "";
  c.reader.delivery_header = "";
  c.text_has = {"Good morning reader,"};
  all.push_back(c);

  c = make_case("hostile", testing::sample_input(1), testing::sample_reader(5), list_id);
  c.reader.name = "<script>alert(1)</script> \"Bobby\" Tables'); --";
  c.input.issue.body_markdown =
      "Hi {{name}}\n\nBcc: victim@example.net\r\n\r\n--=_bs_0000\r\nContent-Type: text/html\r\n"
      "\r\n<img src=x onerror=alert(1)> [click](javascript:alert(1)) and\n\n.\n\n..leading dots\n";
  c.text_has = {"Hi " + c.reader.name, "Bcc: victim@example.net", "\n.\n", "..leading dots",
                "<img src=x onerror=alert(1)>"};
  c.html_has = {"Hi &lt;script&gt;alert(1)&lt;/script&gt; &quot;Bobby&quot; Tables&#39;); --",
                "&lt;img src=x onerror=alert(1)&gt;", "click and"};
  c.html_lacks = {"<script>", "<img src=x", "javascript:"};
  all.push_back(c);

  c = make_case("long-name", testing::sample_input(1), testing::sample_reader(6), list_id);
  c.reader.name.clear();
  for (int i = 0; i < 40; ++i) c.reader.name += "Maximiliane Öffentlichkeitsarbeit ";
  c.reader.name += "von Lüdenscheid";
  c.input.issue.subject = std::string(120, 'S') + " long unbreakable ASCII word in a subject";
  c.text_has = {"Good morning Maximiliane"};
  all.push_back(c);
  return all;
}

TEST(IssueRenderPython, EmailPackageReadsEveryIssueAsMeant) {
  if (!fs::exists(kPython)) GTEST_SKIP() << kPython << " is not installed";
  const fs::path script = fs::path(__FILE__).parent_path() / "testdata" / "check_issue.py";
  ASSERT_TRUE(fs::exists(script)) << script;
  std::string tmpl = (fs::temp_directory_path() / "broadsheet-issue-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path dir = tmpl;
  for (const auto& c : cases()) write_case(dir, c);
  ASSERT_FALSE(HasFailure());

  const auto run = mime::testing::run_command(std::string(kPython) + " '" + script.string() +
                                              "' '" + dir.string() + "'");
  EXPECT_EQ(run.status, 0) << run.output << "(messages kept in " << dir << ")";
  if (!HasFailure()) fs::remove_all(dir);
  std::printf("%s", run.output.c_str());
}

// The checker is not a rubber stamp: a defect planted in a good message is caught.
TEST(IssueRenderPython, CheckerCatchesADamagedMessage) {
  if (!fs::exists(kPython)) GTEST_SKIP() << kPython << " is not installed";
  const fs::path script = fs::path(__FILE__).parent_path() / "testdata" / "check_issue.py";
  std::string tmpl = (fs::temp_directory_path() / "broadsheet-issue-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path dir = tmpl;
  Case c = make_case("damaged", testing::sample_input(1), testing::sample_reader(), "x");
  c.list_id = "\"The Morning Briefing\" <morning.news.example.com>";
  write_case(dir, c);
  // Replace one quoted-printable escape with a raw byte, as a broken relay might.
  std::ifstream in(dir / "damaged.eml", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), {});
  const auto at = raw.find("=E2=80=9C");
  ASSERT_NE(at, std::string::npos);
  raw.replace(at, 9, "\xE2\x80\x9D");
  std::ofstream(dir / "damaged.eml", std::ios::binary) << raw;
  const auto run = mime::testing::run_command(std::string(kPython) + " '" + script.string() +
                                              "' '" + dir.string() + "'");
  EXPECT_EQ(run.status, 1) << run.output;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace broadsheet::render
