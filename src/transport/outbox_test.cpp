#include "transport/outbox.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "transport/outbox_testing.hpp"

namespace broadsheet::transport {
namespace {

using testing::list_outbox;
using testing::read_outbox_message;

namespace fs = std::filesystem;

const std::string kMessage =
    "From: briefing@news.example.com\r\nTo: ada@example.org\r\nSubject: Hi\r\n\r\nHello\r\n";
const Envelope kEnvelope{"bounces@news.example.com", "ada@example.org"};

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "broadsheet-outbox-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  std::string operator/(std::string_view sub) const { return (path_ / sub).string(); }

 private:
  fs::path path_;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count_files(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), {}));
}

// One message, as a batch of one.
DeliveryResult send(Outbox& outbox, const Envelope& envelope, const std::string& message) {
  return send_and_wait(outbox, {Mail{envelope, std::make_shared<const std::string>(message)}})
      .front();
}

std::unique_ptr<Outbox> open_outbox(const std::string& dir) {
  auto outbox = Outbox::open(dir);
  EXPECT_TRUE(outbox.ok()) << outbox.error().message;
  return outbox.ok() ? std::move(*outbox) : nullptr;
}

TEST(Outbox, OpenCreatesPrivateMaildirFolders) {
  TempDir tmp;
  auto outbox = open_outbox(tmp / "outbox");
  ASSERT_TRUE(outbox);
  for (const char* sub : {"outbox", "outbox/tmp", "outbox/new", "outbox/cur"}) {
    struct stat st {};
    ASSERT_EQ(::stat((tmp / sub).c_str(), &st), 0) << sub;
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << sub;
    EXPECT_EQ(st.st_mode & 0777, 0700u) << sub;
  }
  EXPECT_TRUE(Outbox::open(tmp / "outbox").ok()) << "opening again is fine";
  EXPECT_TRUE(Outbox::open(tmp / "outbox/").ok());
}

TEST(Outbox, OpenRefusesWhatCannotBeAMaildir) {
  TempDir tmp;
  std::ofstream(tmp / "file") << "x";
  auto on_file = Outbox::open(tmp / "file");
  ASSERT_FALSE(on_file.ok());
  EXPECT_EQ(on_file.error().code, Errc::io);
  auto no_parent = Outbox::open(tmp / "missing/outbox");
  ASSERT_FALSE(no_parent.ok());
  EXPECT_EQ(no_parent.error().code, Errc::io);
  EXPECT_EQ(Outbox::open("").error().code, Errc::invalid_argument);
}

TEST(Outbox, DeliversTheExactBytesIntoNew) {
  TempDir tmp;
  auto outbox = open_outbox(tmp / "outbox");
  ASSERT_TRUE(outbox);
  DeliveryResult r = send(*outbox, kEnvelope, kMessage);
  ASSERT_EQ(r.kind, DeliveryResult::Kind::delivered) << r.reply;
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(std::regex_match(r.reply, std::regex(R"(\d+\.M\d{1,6}P\d+Q\d+\.[^/:]+)"))) << r.reply;
  EXPECT_EQ(
      slurp(tmp.path() / "outbox/new" / r.reply),
      "Return-Path: <bounces@news.example.com>\r\nDelivered-To: ada@example.org\r\n" + kMessage);
  EXPECT_EQ(count_files(tmp.path() / "outbox/tmp"), 0u);

  DeliveryResult null_sender = send(*outbox, {"", "ada@example.org"}, kMessage);
  ASSERT_EQ(null_sender.kind, DeliveryResult::Kind::delivered);
  EXPECT_TRUE(
      slurp(tmp.path() / "outbox/new" / null_sender.reply).starts_with("Return-Path: <>\r\n"));
}

TEST(Outbox, NamesAreUniqueAcrossThreads) {
  TempDir tmp;
  auto outbox = open_outbox(tmp / "outbox");
  ASSERT_TRUE(outbox);
  constexpr int kThreads = 4;
  constexpr int kEach = 200;
  std::vector<std::vector<std::string>> names(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = send(*outbox, kEnvelope, kMessage + std::to_string(t * kEach + i));
        names[t].push_back(r.kind == DeliveryResult::Kind::delivered ? r.reply : "failed");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> unique;
  for (const auto& list : names) unique.insert(list.begin(), list.end());
  EXPECT_EQ(unique.count("failed"), 0u);
  EXPECT_EQ(unique.size(), std::size_t{kThreads * kEach});
  EXPECT_EQ(count_files(tmp.path() / "outbox/new"), std::size_t{kThreads * kEach});
  EXPECT_EQ(count_files(tmp.path() / "outbox/tmp"), 0u);
}

TEST(Outbox, RefusesEnvelopesThatWouldBreakTheHeader) {
  TempDir tmp;
  auto outbox = open_outbox(tmp / "outbox");
  ASSERT_TRUE(outbox);
  for (const Envelope& bad : std::vector<Envelope>{
           {"a@example.org\r\nX-Evil: 1", "ada@example.org"},
           {"a@example.org", "ada@example.org\nX-Evil: 1"},
           {"a@example.org", ""},
           {"a@example.org>", "ada@example.org"},
           {"a@example.org", "ada @example.org"},
           {"a@example.org", std::string(300, 'a') + "@example.org"},
       }) {
    auto r = send(*outbox, bad, kMessage);
    EXPECT_EQ(r.kind, DeliveryResult::Kind::failed) << bad.mail_from << " / " << bad.rcpt_to;
  }
  EXPECT_EQ(count_files(tmp.path() / "outbox/new"), 0u);
}

TEST(Outbox, UnwritableFolderDefersInsteadOfCrashing) {
  TempDir tmp;
  auto outbox = open_outbox(tmp / "outbox");
  ASSERT_TRUE(outbox);
  // Works as root too, where permission bits would not stop a write: tmp/ becomes a file.
  fs::remove(tmp.path() / "outbox/tmp");
  std::ofstream(tmp / "outbox/tmp") << "not a folder";
  DeliveryResult r = send(*outbox, kEnvelope, kMessage);
  EXPECT_EQ(r.kind, DeliveryResult::Kind::deferred);
  EXPECT_NE(r.reply.find("Not a directory"), std::string::npos) << r.reply;

  // new/ missing: the rename fails and the file in tmp/ is taken back.
  fs::remove(tmp.path() / "outbox/tmp");
  fs::create_directory(tmp.path() / "outbox/tmp");
  fs::remove(tmp.path() / "outbox/new");
  r = send(*outbox, kEnvelope, kMessage);
  EXPECT_EQ(r.kind, DeliveryResult::Kind::deferred);
  EXPECT_NE(r.reply.find("rename"), std::string::npos) << r.reply;
  EXPECT_EQ(count_files(tmp.path() / "outbox/tmp"), 0u);

  if (::geteuid() != 0) {
    fs::create_directory(tmp.path() / "outbox/new");
    fs::permissions(tmp.path() / "outbox/tmp", fs::perms::owner_read | fs::perms::owner_exec);
    r = send(*outbox, kEnvelope, kMessage);
    EXPECT_EQ(r.kind, DeliveryResult::Kind::deferred);
    EXPECT_NE(r.reply.find("Permission denied"), std::string::npos) << r.reply;
  }
}

void set_mtime(const fs::path& file, UnixSeconds t) {
  struct timespec times[2] = {{t, 0}, {t, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, file.c_str(), times, 0), 0);
}

TEST(Outbox, ListsNewestFirstWithinTheLimit) {
  TempDir tmp;
  auto outbox = open_outbox(tmp / "outbox");
  ASSERT_TRUE(outbox);
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) {
    auto r = send(*outbox, kEnvelope, kMessage + std::string(static_cast<std::size_t>(i), 'x'));
    ASSERT_EQ(r.kind, DeliveryResult::Kind::delivered);
    set_mtime(tmp.path() / "outbox/new" / r.reply, 1'700'000'000 + i * 60);
    names.push_back(r.reply);
  }
  // A message a mail client has seen moves to cur/ and still counts.
  fs::rename(tmp.path() / "outbox/new" / names[4], tmp.path() / "outbox/cur" / (names[4] + ":2,S"));
  std::ofstream(tmp / "outbox/new/.hidden") << "ignored";
  fs::create_directory(tmp.path() / "outbox/new/subfolder");

  auto all = list_outbox(tmp / "outbox", 100);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[0].name, names[4] + ":2,S");
  for (std::size_t i = 1; i < 5; ++i) EXPECT_EQ((*all)[i].name, names[4 - i]);
  EXPECT_EQ((*all)[0].mtime, 1'700'000'240);
  const std::size_t head = std::string_view(
                               "Return-Path: <bounces@news.example.com>\r\n"
                               "Delivered-To: ada@example.org\r\n")
                               .size();
  EXPECT_EQ((*all)[4].size, head + kMessage.size());

  auto two = list_outbox(tmp / "outbox", 2);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].name, names[3]);
  EXPECT_TRUE(list_outbox(tmp / "outbox", 0)->empty());
  EXPECT_EQ(list_outbox(tmp / "nowhere", 10).error().code, Errc::not_found);
}

TEST(Outbox, ReadsMessagesBackButNothingOutsideIt) {
  TempDir tmp;
  auto outbox = open_outbox(tmp / "outbox");
  ASSERT_TRUE(outbox);
  auto r = send(*outbox, kEnvelope, kMessage);
  ASSERT_EQ(r.kind, DeliveryResult::Kind::delivered);
  auto bytes = read_outbox_message(tmp / "outbox", r.reply);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  EXPECT_TRUE(bytes->ends_with(kMessage));

  fs::rename(tmp.path() / "outbox/new" / r.reply, tmp.path() / "outbox/cur" / (r.reply + ":2,S"));
  EXPECT_TRUE(read_outbox_message(tmp / "outbox", r.reply + ":2,S").ok());
  EXPECT_EQ(read_outbox_message(tmp / "outbox", r.reply).error().code, Errc::not_found);

  std::ofstream(tmp / "secret") << "do not read";
  std::ofstream(tmp / "outbox/secret") << "do not read";
  for (std::string bad :
       std::vector<std::string>{"../secret", "../../secret", "..", ".", "", "new/../../secret",
                                "/etc/passwd", "a/b", ".hidden", "x\ny", std::string("x\0y", 3)}) {
    auto refused = read_outbox_message(tmp / "outbox", bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().code, Errc::invalid_argument) << bad;
  }
  // A symbolic link planted in new/ is not followed.
  fs::create_symlink(tmp.path() / "secret", tmp.path() / "outbox/new/link");
  EXPECT_FALSE(read_outbox_message(tmp / "outbox", "link").ok());
}

TEST(OutboxBatch, DeliversEachMessageAndRefusesBadEnvelopesAlone) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("bs-outbox-batch-{}", ::getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto outbox = Outbox::open((dir / "outbox").string());
  ASSERT_TRUE(outbox.ok());
  std::vector<Mail> mails;
  for (int i = 0; i < 150; ++i) {  // more than one sync group
    mails.push_back(
        {Envelope{"desk@example.org", fmt::format("r{}@example.org", i)},
         std::make_shared<const std::string>(fmt::format("Subject: {}\r\n\r\nbody\r\n", i))});
  }
  mails[7].envelope.rcpt_to = "two words@example.org";
  auto results = send_and_wait(**outbox, mails);
  ASSERT_EQ(results.size(), mails.size());
  std::size_t delivered = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (i == 7) {
      EXPECT_EQ(results[i].kind, DeliveryResult::Kind::failed);
      continue;
    }
    ASSERT_EQ(results[i].kind, DeliveryResult::Kind::delivered) << results[i].reply;
    std::ifstream in(dir / "outbox/new" / results[i].reply, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    EXPECT_EQ(bytes.str(), fmt::format("Return-Path: <desk@example.org>\r\nDelivered-To: "
                                       "r{}@example.org\r\nSubject: {}\r\n\r\nbody\r\n",
                                       i, i));
    ++delivered;
  }
  EXPECT_EQ(delivered, 149u);
  EXPECT_TRUE(fs::is_empty(dir / "outbox/tmp"));

  // A broken outbox defers every message and leaves nothing behind.
  fs::remove_all(dir / "outbox/new");
  results = send_and_wait(**outbox, {mails.begin(), mails.begin() + 3});
  for (const auto& r : results) EXPECT_EQ(r.kind, DeliveryResult::Kind::deferred);
  EXPECT_TRUE(fs::is_empty(dir / "outbox/tmp"));
  fs::remove_all(dir);
}

TEST(OutboxHeader, TheFirstValueOfAFieldUnfoldedAndOnlyFromTheHeader) {
  const std::string m =
      "Return-Path: <b@x>\r\nsubject: Morning\r\n briefing\r\nTo: ada@example.org\r\n"
      "Subject: second\r\n\r\nSubject: in the body\r\n";
  EXPECT_EQ(outbox_header(m, "Subject"), "Morning briefing");
  EXPECT_EQ(outbox_header(m, "to"), "ada@example.org");
  EXPECT_EQ(outbox_header(m, "Cc"), "");
  EXPECT_EQ(outbox_header("\r\nSubject: body only\r\n", "Subject"), "");
}

}  // namespace
}  // namespace broadsheet::transport
