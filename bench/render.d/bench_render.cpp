// bench_render: how many messages of one issue are rendered for their readers,
// DKIM-signed and serialised (one string, as a Transport takes it) per second.
//
//   bench_render [--algorithm none|rsa|ed25519] [--threads N] [--seconds S] [--kb K]
//
// The issue is the realistic sample of render/testing.hpp (headings, links,
// tables, quotes, lists, merge fields), grown until a message is about K kilobytes
// (default 30). Readers differ in name, address and links, as in a real send. Prints
// one line of key=value pairs; bench/render runs it and compares with `openssl speed`.
//
// rate= is messages per second of CPU time, summed over the threads, which is how
// `openssl speed` counts (user time, per process with -multi), so that a machine busy
// with other work skews both alike; wall_rate= is per second of elapsed time.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "dkim/signer.hpp"
#include "render/signed_issue.hpp"
#include "render/testing.hpp"

using namespace broadsheet;

namespace {

int die(const std::string& why) {
  std::fprintf(stderr, "bench_render: %s\n", why.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string algorithm = "ed25519";
  int threads = 1;
  double seconds = 3;
  std::size_t kb = 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--algorithm")
      algorithm = value;
    else if (flag == "--threads")
      threads = std::atoi(value.c_str());
    else if (flag == "--seconds")
      seconds = std::atof(value.c_str());
    else if (flag == "--kb")
      kb = static_cast<std::size_t>(std::atoi(value.c_str()));
    else
      return die("unknown option " + flag);
  }
  if (threads < 1 || seconds <= 0) return die("--threads and --seconds must be positive");

  dkim::DkimSigner signer;
  if (algorithm != "none") {
    auto parsed = parse_dkim_algorithm(algorithm);
    if (!parsed) return die(parsed.error().message);
    auto pem = dkim::generate_dkim_key_pem(*parsed);
    if (!pem) return die(pem.error().message);
    auto key = dkim::parse_dkim_key(*pem, *parsed, "bench");
    if (!key) return die(key.error().message);
    auto made =
        dkim::DkimSigner::create({dkim::DkimSigner::Key{"news.example.com", "bench", *key}});
    if (!made) return die(made.error().message);
    signer = *made;
  }

  // Grow the issue until one message is about `kb` kilobytes.
  const UnixSeconds date = 1732860000;
  render::IssueRenderInput input;
  std::string probe;
  for (int sections = 1; sections < 200; ++sections) {
    input = render::testing::sample_input(sections);
    auto prepared = render::PreparedIssue::prepare(input);
    if (!prepared) return die(prepared.error().message);
    probe = prepared->message_for(render::testing::sample_reader(), date).value();
    if (probe.size() >= kb * 1024) break;
  }
  auto prepared = render::PreparedIssue::prepare(input);
  if (!prepared) return die(prepared.error().message);
  const render::SignedIssue issue(*prepared, signer);

  std::vector<render::ReaderFields> readers;
  for (int i = 0; i < 1000; ++i) {
    render::ReaderFields r = render::testing::sample_reader(i);
    r.name = i % 7 == 0   ? ""
             : i % 3 == 0 ? "Zoë Ångström " + std::to_string(i)
                          : "Reader Number " + std::to_string(i);
    r.unsubscribe_url =
        "https://news.example.com/u/" + std::to_string(1000000 + i) + std::string(49, 'U');
    readers.push_back(std::move(r));
  }

  std::vector<std::uint64_t> counts(static_cast<std::size_t>(threads));
  std::vector<std::uint64_t> bytes(static_cast<std::size_t>(threads));
  std::vector<double> cpu_seconds(static_cast<std::size_t>(threads));
  std::vector<std::string> errors(static_cast<std::size_t>(threads));
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto cpu_now = [] {
        timespec ts{};
        ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
      };
      const double cpu_start = cpu_now();
      std::size_t i = static_cast<std::size_t>(t) * 131;
      while (std::chrono::steady_clock::now() < deadline) {
        for (int k = 0; k < 16; ++k, ++i) {
          auto message = issue.message_for(readers[i % readers.size()], date);
          if (!message) {
            errors[t] = message.error().message;
            return;
          }
          bytes[t] += message->size();
          ++counts[t];
        }
      }
      cpu_seconds[t] = cpu_now() - cpu_start;
    });
  }
  for (auto& w : workers) w.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::uint64_t total = 0, total_bytes = 0;
  double cpu_rate = 0;
  for (int t = 0; t < threads; ++t) {
    if (!errors[t].empty()) return die(errors[t]);
    total += counts[t];
    total_bytes += bytes[t];
    cpu_rate += static_cast<double>(counts[t]) / cpu_seconds[t];
  }
  std::printf(
      "algorithm=%s threads=%d messages=%llu seconds=%.2f rate=%.0f wall_rate=%.0f "
      "message_bytes=%llu markdown_bytes=%zu\n",
      algorithm.c_str(), threads, static_cast<unsigned long long>(total), elapsed, cpu_rate,
      static_cast<double>(total) / elapsed,
      static_cast<unsigned long long>(total ? total_bytes / total : 0),
      input.issue.body_markdown.size());
  return 0;
}
