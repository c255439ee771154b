// DKIM signing, checked by two verifiers that share no code with the signer's use of
// OpenDKIM: dkimpy (testdata/verify_dkim.py, Python) and libopendkim's own verifier,
// both answering key lookups from the records of keys made here. A message altered
// after signing must fail both.
#include "dkim/signer.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "dkim/testing.hpp"
#include "mime/mime.hpp"

extern "C" {
#define _Bool bool
#include <opendkim/dkim.h>
#undef _Bool
}

namespace broadsheet::dkim {
namespace {

namespace fs = std::filesystem;
using testing::newsletter;
using testing::TempDir;

struct TestKey {
  std::string domain, selector;
  DkimKey key;
};

const TestKey& rsa_key() {
  static const TestKey k{"news.example.com", "2026r",
                         testing::shared_key(DkimAlgorithm::rsa_sha256)};
  return k;
}

const TestKey& ed_key() {
  static const TestKey k{"news.example.com", "2026e",
                         testing::shared_key(DkimAlgorithm::ed25519_sha256)};
  return k;
}

DkimSigner signer_of(std::initializer_list<const TestKey*> keys) {
  std::vector<DkimSigner::Key> list;
  for (const auto* k : keys) list.push_back({k->domain, k->selector, k->key});
  return DkimSigner::create(std::move(list)).value();
}

// DNS as the verifiers see it: the records of every test key.
std::map<std::string, std::string> records() {
  std::map<std::string, std::string> out;
  for (const auto* k : {&rsa_key(), &ed_key()}) {
    out[dkim_record_name(k->selector, k->domain)] = dkim_txt_record(k->key);
  }
  return out;
}

std::string build(const mime::OutgoingMessage& m) {
  auto bytes = mime::build_message(m);
  EXPECT_TRUE(bytes.ok()) << bytes.error().message;
  return bytes.ok() ? *bytes : std::string();
}

std::string signed_copy(const DkimSigner& signer, const std::string& message) {
  auto fields = signer.sign(message);
  EXPECT_TRUE(fields.ok()) << fields.error().message;
  return (fields.ok() ? *fields : std::string()) + message;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// dkimpy's verdicts: per message, "pass"/"fail" per signature, top to bottom.
std::vector<std::string> dkimpy_verdicts(const std::vector<std::string>& messages) {
  TempDir dir;
  std::string list;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    auto path = dir.path() / (std::to_string(i) + ".eml");
    std::ofstream(path, std::ios::binary) << messages[i];
    list += (i ? ", " : "") + json_string(path.string());
  }
  std::string recs;
  for (const auto& [name, value] : records()) {
    recs += (recs.empty() ? "" : ", ") + json_string(name) + ": " + json_string(value);
  }
  std::ofstream(dir.path() / "case.json")
      << "{\"records\": {" << recs << "}, \"messages\": [" << list << "]}\n";
  auto script = fs::path(__FILE__).parent_path() / "testdata" / "verify_dkim.py";
  // Why a signature failed goes to err.txt: expected failures would clutter the log.
  std::string command =
      "/usr/bin/python3 " + script.string() + " " + (dir.path() / "case.json").string() + " > " +
      (dir.path() / "out.txt").string() + " 2> " + (dir.path() / "err.txt").string();
  int rc = std::system(command.c_str());
  std::ifstream err(dir.path() / "err.txt");
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0)
      << command << "\n"
      << std::string((std::istreambuf_iterator<char>(err)), {});
  std::ifstream in(dir.path() / "out.txt");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  EXPECT_EQ(lines.size(), messages.size());
  return lines;
}

std::string dkimpy_verdict(const std::string& message) {
  auto v = dkimpy_verdicts({message});
  return v.empty() ? "<none>" : v[0];
}

// libopendkim's verifier, its key lookups answered from a query file (DKIM_QUERY_FILE)
// instead of DNS: "pass"/"fail" per signature, top to bottom.
std::string opendkim_verdict(const std::string& message) {
  static const std::string query_file = [] {
    auto path = fs::temp_directory_path() / ("bs-dkim-keys-" + std::to_string(::getpid()));
    std::ofstream out(path);
    for (const auto& [name, value] : records()) out << name << " " << value << "\n";
    return path.string();
  }();
  DKIM_LIB* lib = dkim_init(nullptr, nullptr);
  int method = DKIM_QUERY_FILE;
  EXPECT_EQ(dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &method, sizeof method),
            DKIM_STAT_OK);
  EXPECT_EQ(dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO,
                         const_cast<char*>(query_file.c_str()), query_file.size()),
            DKIM_STAT_OK);
  DKIM_STAT st;
  DKIM* d = dkim_verify(lib, reinterpret_cast<const u_char*>("test"), nullptr, &st);
  auto* bytes = reinterpret_cast<u_char*>(const_cast<char*>(message.data()));
  dkim_chunk(d, bytes, message.size());
  dkim_chunk(d, nullptr, 0);
  dkim_eom(d, nullptr);
  DKIM_SIGINFO** sigs = nullptr;
  int n = 0;
  std::string verdicts;
  if (dkim_getsiglist(d, &sigs, &n) == DKIM_STAT_OK) {
    for (int i = 0; i < n; ++i) {
      bool ok = (dkim_sig_getflags(sigs[i]) & DKIM_SIGFLAG_PASSED) != 0 &&
                dkim_sig_getbh(sigs[i]) == DKIM_SIGBH_MATCH;
      verdicts += std::string(i ? " " : "") + (ok ? "pass" : "fail");
    }
  }
  dkim_free(d);
  dkim_close(lib);
  return verdicts.empty() ? "none" : verdicts;
}

// The first header field named `name` (case-insensitive) of `message`, unfolded.
std::string field(std::string_view message, std::string_view name) {
  std::string_view head = message.substr(0, message.find("\r\n\r\n") + 2);
  for (std::size_t at = 0; at < head.size();) {
    std::size_t end = at;
    do {
      end = head.find("\r\n", end) + 2;
    } while (end < head.size() && (head[end] == ' ' || head[end] == '\t'));
    std::string_view f = head.substr(at, end - 2 - at);
    auto colon = f.find(':');
    if (colon == name.size() && strncasecmp(f.data(), name.data(), name.size()) == 0) {
      std::string value;
      for (char c : f.substr(colon + 1)) {
        if (c != '\r' && c != '\n') value += c;
      }
      return value;
    }
    at = end;
  }
  return "<missing>";
}

std::string replace_once(std::string text, std::string_view from, std::string_view to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(DkimSign, BothVerifiersAcceptEachKindAndDualSignatures) {
  mime::OutgoingMessage text_only = newsletter(200);
  text_only.html_body.clear();
  mime::OutgoingMessage empty_body = newsletter(0);
  empty_body.text_body.clear();
  empty_body.html_body.clear();
  std::vector<std::string> messages = {build(newsletter(30 * 1024)), build(text_only),
                                       build(empty_body)};
  struct Case {
    const char* name;
    DkimSigner signer;
    std::string expected;
  };
  std::vector<Case> cases = {
      {"rsa", signer_of({&rsa_key()}), "pass"},
      {"ed25519", signer_of({&ed_key()}), "pass"},
      {"dual", signer_of({&rsa_key(), &ed_key()}), "pass pass"},
  };
  for (auto& c : cases) {
    std::vector<std::string> signed_messages;
    for (const auto& m : messages) signed_messages.push_back(signed_copy(c.signer, m));
    auto verdicts = dkimpy_verdicts(signed_messages);
    for (std::size_t i = 0; i < signed_messages.size(); ++i) {
      EXPECT_EQ(verdicts.at(i), c.expected) << c.name << " message " << i << " (dkimpy)";
      EXPECT_EQ(opendkim_verdict(signed_messages[i]), c.expected)
          << c.name << " message " << i << " (libopendkim)";
    }
  }
}

TEST(DkimSign, HandWrittenMessagesWithAwkwardWhitespaceAndRepeatedFields) {
  // Not what build_message writes, but what a relaxed signer must still get right.
  const std::string head =
      "From: Briefing <briefing@news.example.com>\r\n"
      "to: a@example.org\r\n"
      "Subject:   spaced\t\tout   \r\n"
      "Date: Fri, 29 Nov 2024 19:00:00 +0000\r\n"
      "X-Other: not signed\r\n";
  std::vector<std::string> messages = {
      head + "\r\nline with trailing spaces   \r\n\ttab\tinside\r\n\r\n \r\n\r\n",
      head + "\r\nno final line break",
      head + "\r\n",
      head,  // no blank line and no body at all
      head + "\r\n\r\n\r\n  \t\r\n",
      // Two To fields: h= lists both, and the hash takes them bottom up.
      head + "To: b@example.org\r\nTo:\r\n c@example.org\r\n\r\nbody\r\n",
  };
  DkimSigner signer = signer_of({&rsa_key(), &ed_key()});
  std::vector<std::string> signed_messages;
  for (const auto& m : messages) signed_messages.push_back(signed_copy(signer, m));
  auto verdicts = dkimpy_verdicts(signed_messages);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(verdicts.at(i), "pass pass") << "message " << i << " (dkimpy)";
    // libopendkim's verifier does not add the CRLF that RFC 6376 section 3.4.4 adds to
    // a body without a final line break (dkimpy does). Such a body cannot travel by
    // SMTP, which ends every line, and build_message never writes one.
    if (i == 1) continue;
    EXPECT_EQ(opendkim_verdict(signed_messages[i]), "pass pass")
        << "message " << i << " (libopendkim)";
  }
  // Once it has travelled by SMTP it has the line break, and both agree.
  EXPECT_EQ(opendkim_verdict(signed_messages[1] + "\r\n"), "pass pass");
  // Swapping the two lower To fields is a change the signature must catch.
  std::string swapped =
      replace_once(signed_messages[5], "To: b@example.org\r\nTo:\r\n c@example.org",
                   "To:\r\n c@example.org\r\nTo: b@example.org");
  EXPECT_EQ(dkimpy_verdict(swapped), "fail fail");
  EXPECT_EQ(opendkim_verdict(swapped), "fail fail");
}

TEST(DkimSign, AnAlteredMessageFails) {
  DkimSigner signer = signer_of({&rsa_key(), &ed_key()});
  std::string original = signed_copy(signer, build(newsletter(4000)));
  ASSERT_EQ(dkimpy_verdict(original), "pass pass");
  std::vector<std::pair<const char*, std::string>> altered = {
      {"body", replace_once(original, "Story 3:", "Story 4:")},
      {"subject", replace_once(original, "\r\nSubject: ", "\r\nSubject: Re: ")},
      {"to", replace_once(original, "<zoe@example.org>", "<eve@example.org>")},
      {"unsubscribe link",
       replace_once(original, "https://news.example.com/u/", "https://evil.example.net/u/")},
      {"one-click", replace_once(original, "List-Unsubscribe=One-Click", "")},
      // Over-signing: a second From above the signed one.
      {"added From", "From: Mallory <m@evil.example.net>\r\n" + original},
      {"added body line", original + "P.S. buy now\r\n"},
  };
  std::vector<std::string> bodies;
  for (const auto& [name, msg] : altered) bodies.push_back(msg);
  auto verdicts = dkimpy_verdicts(bodies);
  for (std::size_t i = 0; i < altered.size(); ++i) {
    EXPECT_EQ(verdicts.at(i), "fail fail") << altered[i].first << " (dkimpy)";
    EXPECT_EQ(opendkim_verdict(altered[i].second), "fail fail")
        << altered[i].first << " (libopendkim)";
  }
}

TEST(DkimSign, RelaxedCanonicalisationSurvivesWhitespaceChanges) {
  DkimSigner signer = signer_of({&rsa_key(), &ed_key()});
  std::string original = signed_copy(signer, build(newsletter(2000)));
  // What relays do: refold a header, change its spacing, pad the end of the body.
  std::string refolded = replace_once(original, "List-Id: The Morning Briefing",
                                      "list-id:   The  Morning\r\n\t Briefing");
  refolded += "\r\n\r\n";
  EXPECT_EQ(dkimpy_verdict(refolded), "pass pass");
  EXPECT_EQ(opendkim_verdict(refolded), "pass pass");
}

TEST(DkimSign, SignatureFieldsSayWhatTheContractSays) {
  DkimSigner signer = signer_of({&rsa_key(), &ed_key()});
  std::string message = build(newsletter(1000));
  auto fields = signer.sign(message);
  ASSERT_TRUE(fields.ok()) << fields.error().message;
  ASSERT_TRUE(fields->ends_with("\r\n"));
  // Two fields, folded with CRLF TAB, lines within 998 characters, no bare CR or LF.
  std::size_t starts = 0;
  for (std::size_t at = 0; at < fields->size();) {
    auto eol = fields->find("\r\n", at);
    ASSERT_NE(eol, std::string::npos);
    std::string_view line(fields->data() + at, eol - at);
    EXPECT_LE(line.size(), 998u);
    EXPECT_EQ(line.find_first_of("\r\n"), std::string_view::npos);
    if (line.starts_with("DKIM-Signature: ")) {
      ++starts;
    } else {
      EXPECT_TRUE(line.starts_with("\t")) << line;
    }
    at = eol + 2;
  }
  EXPECT_EQ(starts, 2u);
  std::string rsa_field = field(*fields + "\r\n", "DKIM-Signature");
  std::string ed_field =
      field(fields->substr(fields->find("\r\nDKIM-Signature:") + 2) + "\r\n", "DKIM-Signature");
  auto compact = [](std::string s) {
    std::erase_if(s, [](char c) { return c == ' ' || c == '\t'; });
    return s;
  };
  for (const auto& [f, a, s] : {std::tuple{compact(rsa_field), "rsa-sha256", "2026r"},
                                std::tuple{compact(ed_field), "ed25519-sha256", "2026e"}}) {
    EXPECT_NE(f.find(std::string(";a=") + a + ";"), std::string::npos) << f;
    EXPECT_NE(f.find(";c=relaxed/relaxed;"), std::string::npos) << f;
    EXPECT_NE(f.find(";d=news.example.com;"), std::string::npos) << f;
    EXPECT_NE(f.find(std::string(";s=") + s + ";"), std::string::npos) << f;
    EXPECT_EQ(f.find(";l="), std::string::npos) << f;
    // Every listed field the message has (in the message's order), and From once more
    // than it occurs.
    auto h = f.substr(f.find(";h=") + 3);
    h = h.substr(0, h.find(';'));
    std::vector<std::string> names;
    for (std::size_t at = 0; at <= h.size();) {
      auto colon = std::min(h.find(':', at), h.size());
      names.push_back(h.substr(at, colon - at));
      at = colon + 1;
    }
    EXPECT_EQ(names.back(), "From") << h;
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"Content-Type", "Date", "From", "From", "List-Id",
                                               "List-Unsubscribe", "List-Unsubscribe-Post",
                                               "MIME-Version", "Message-ID", "Subject", "To"}))
        << h;
  }
  // Feedback-ID is not among the signed fields.
  EXPECT_NE(message.find("Feedback-ID:"), std::string::npos);
}

TEST(DkimSign, SignsFromManyThreadsAtOnce) {
  DkimSigner signer = signer_of({&rsa_key(), &ed_key()});
  constexpr int kThreads = 4, kEach = 12;
  std::vector<std::vector<std::string>> out(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      DkimSigner copy = signer;  // copies share the keys
      for (int i = 0; i < kEach; ++i) {
        mime::OutgoingMessage m = newsletter(3000);
        m.to.address = "reader" + std::to_string(t * kEach + i) + "@example.org";
        auto msg = mime::build_message(m);
        auto fields = copy.sign(*msg);
        out[t].push_back(fields.ok() ? *fields + *msg : "error: " + fields.error().message);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& list : out) {
    for (const auto& m : list) EXPECT_EQ(opendkim_verdict(m), "pass pass") << m.substr(0, 200);
  }
  EXPECT_EQ(dkimpy_verdict(out[1][3]), "pass pass");
}

TEST(DkimSign, AnEmptySignerSignsNothing) {
  DkimSigner signer;
  EXPECT_TRUE(signer.empty());
  auto fields = signer.sign(build(newsletter(100)));
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(*fields, "");
  auto from_setting = load_dkim_signer("", "/nonexistent");
  ASSERT_TRUE(from_setting.ok());
  EXPECT_TRUE(from_setting->empty());
}

TEST(DkimSign, RefusesAMessageWithoutFromOrWithBrokenHeaders) {
  DkimSigner signer = signer_of({&ed_key()});
  auto no_from = signer.sign("To: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n");
  ASSERT_FALSE(no_from.ok());
  EXPECT_EQ(no_from.error().code, Errc::invalid_argument) << no_from.error().message;
  auto bare_lf = signer.sign("From: a@example.org\nSubject: hi\n\nbody\n");
  ASSERT_FALSE(bare_lf.ok());
  EXPECT_EQ(bare_lf.error().code, Errc::invalid_argument);
}

TEST(DkimSign, LoadsKeysNamedByTheSetting) {
  TempDir dir;
  fs::create_directories(dir.path() / "secrets");
  ASSERT_TRUE(
      write_private_file((dir.path() / "secrets" / "e.pem").string(), ed_key().key.pem).ok());
  auto abs = (dir.path() / "r.pem").string();
  ASSERT_TRUE(write_private_file(abs, rsa_key().key.pem).ok());
  auto signer = load_dkim_signer(
      "news.example.com:2026e:ed25519:secrets/e.pem, news.example.com:2026r:rsa:" + abs,
      dir.path().string());
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  ASSERT_EQ(signer->keys().size(), 2u);
  EXPECT_EQ(signer->keys()[0].selector, "2026e");
  EXPECT_EQ(signer->keys()[1].key.public_key, rsa_key().key.public_key);
  EXPECT_EQ(dkimpy_verdict(signed_copy(*signer, build(newsletter(500)))), "pass pass");

  fs::permissions(abs, fs::perms(0644));
  auto open = load_dkim_signer("news.example.com:2026r:rsa:" + abs, dir.path().string());
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.error().code, Errc::config);
  EXPECT_NE(open.error().message.find(abs), std::string::npos);

  auto missing =
      load_dkim_signer("news.example.com:2026r:rsa:secrets/none.pem", dir.path().string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message,
            "DKIM key file " + (dir.path() / "secrets/none.pem").string() + " does not exist");

  auto malformed = load_dkim_signer("news.example.com:2026r", dir.path().string());
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().code, Errc::config);
  EXPECT_TRUE(malformed.error().message.starts_with("dkim.keys: entry"))
      << malformed.error().message;
}

}  // namespace
}  // namespace broadsheet::dkim
