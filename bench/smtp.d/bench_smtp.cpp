// bench_smtp: pushes COUNT copies of one message through the SMTP pool (src/smtp) to
// one relay over CONNECTIONS connections and prints the rate. Driven by bench/smtp.
//   usage: bench_smtp HOST PORT CONNECTIONS COUNT MESSAGE_FILE [THREADS]
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

#include "smtp/smtp.hpp"

using namespace broadsheet;

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: bench_smtp HOST PORT CONNECTIONS COUNT MESSAGE_FILE [THREADS]\n");
    return 2;
  }
  const int connections = std::stoi(argv[3]);
  const int count = std::stoi(argv[4]);
  std::ifstream in(argv[5], std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  auto message = std::make_shared<const std::string>(text.str());

  smtp::PoolOptions options;
  smtp::RelayOptions relay;
  relay.host = argv[1];
  relay.port = static_cast<std::uint16_t>(std::stoi(argv[2]));
  relay.pool_size = connections;
  relay.messages_per_connection = 1000000;
  options.relays.push_back(relay);
  options.helo_name = "bench.test";
  options.threads = argc > 6 ? std::stoi(argv[6]) : 1;
  auto pool = smtp::Pool::start(options);
  if (!pool) {
    std::fprintf(stderr, "bench_smtp: %s\n", pool.error().message.c_str());
    return 1;
  }

  std::mutex mu;
  std::condition_variable cv;
  int done = 0, delivered = 0;
  std::string first_problem;
  const auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    (*pool)->submit_one(
        {{"bench@bench.test", "reader" + std::to_string(i) + "@bench.test"}, message},
        [&](transport::DeliveryResult r) {
          std::lock_guard lock(mu);
          ++done;
          if (r.kind == transport::DeliveryResult::Kind::delivered) {
            ++delivered;
          } else if (first_problem.empty()) {
            first_problem = r.reply;
          }
          if (done == count) cv.notify_all();
        });
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done == count; });
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  (*pool)->stop();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                     static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  std::printf("%d %.3f %.3f\n", delivered, seconds, cpu);
  if (delivered != count) {
    std::fprintf(stderr, "bench_smtp: %d of %d not delivered, e.g. %s\n", count - delivered, count,
                 first_problem.c_str());
    return 1;
  }
  return 0;
}
