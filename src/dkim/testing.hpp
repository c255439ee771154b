// Helpers for the DKIM tests and benchmark: keys made once per test binary, a sample
// newsletter with the list fields, and a temporary folder.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include "dkim/key.hpp"
#include "dkim/signer.hpp"
#include "mime/mime.hpp"

namespace broadsheet::dkim::testing {

// One key of each kind for all tests of a binary: RSA generation takes a while.
inline const DkimKey& shared_key(DkimAlgorithm algorithm) {
  auto make = [](DkimAlgorithm a) {
    return parse_dkim_key(generate_dkim_key_pem(a).value(), a, "test").value();
  };
  static const DkimKey rsa = make(DkimAlgorithm::rsa_sha256);
  static const DkimKey ed = make(DkimAlgorithm::ed25519_sha256);
  return algorithm == DkimAlgorithm::rsa_sha256 ? rsa : ed;
}

// A newsletter of the publisher news.example.com whose message, as build_message writes
// it, is at least `min_bytes` long: text and HTML of the same stories, non-ASCII in
// the subject, a display name and the body, the list fields, and a Feedback-ID that
// is not signed.
inline mime::OutgoingMessage newsletter(std::size_t min_bytes) {
  mime::OutgoingMessage m;
  m.from = {"The Morning Briefing", "briefing@news.example.com"};
  m.to = {"Zoë Reader", "zoe@example.org"};
  m.subject = "Morning Briefing: markets, weather and the Café Royal reopening";
  m.message_id_domain = "news.example.com";
  m.date = 1795000000;
  m.extra_headers = {
      {"List-Id", "The Morning Briefing <briefing.news.example.com>"},
      {"List-Unsubscribe",
       "<https://news.example.com/u/aGVsbG8td29ybGQtdG9rZW4>, "
       "<mailto:unsubscribe@news.example.com?subject=aGVsbG8td29ybGQtdG9rZW4>"},
      {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
      {"Feedback-ID", "issue-42:briefing:broadsheet"},
  };
  for (int i = 0;; ++i) {
    std::string para = "Story " + std::to_string(i) +
                       ": the council met on Tuesday to discuss the harbour plan; residents "
                       "asked about costs, ferries and the new café on the quay.\n";
    m.text_body += para;
    m.html_body += "<p style=\"margin:0 0 12px\">" + para + "</p>\n";
    if (i % 8 == 0 && mime::build_message(m)->size() >= min_bytes) return m;
  }
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("bs-dkim-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

}  // namespace broadsheet::dkim::testing
