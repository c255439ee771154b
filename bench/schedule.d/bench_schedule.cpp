// bench_schedule: the scheduler's costs on a real data folder, in one process (so a
// process start is not counted). First the cohorts due at WARM_AT are released (not
// timed); then the idle step at WARM_AT (release_due when nothing new is due while an
// edition is under way, the mean of many); then the release of the cohorts due at
// RELEASE_AT (from that instant to their readers queued in the delivery log); and this
// process's peak memory. Driven by bench/schedule, which prepares the folder and
// measures the limit.
//   usage: bench_schedule DATA WARM_AT RELEASE_AT   (instants in RFC 3339)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "cli/context.hpp"
#include "scheduler/releases.hpp"

using namespace broadsheet;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: bench_schedule DATA WARM_AT RELEASE_AT\n");
    return 2;
  }
  auto idle_at = parse_rfc3339(argv[2]);
  auto release_at = parse_rfc3339(argv[3]);
  if (!idle_at || !release_at) {
    std::fprintf(stderr, "bench_schedule: bad instant\n");
    return 2;
  }
  auto ctx = cli::open_context(argv[1]);
  if (!ctx) {
    std::fprintf(stderr, "bench_schedule: %s\n", ctx.error().message.c_str());
    return 1;
  }
  scheduler::ReleaseOptions options;
  using Clock = std::chrono::steady_clock;
  constexpr int kIdleRounds = 200;
  auto warm = scheduler::release_due(*ctx->store, *idle_at, options);
  if (!warm) {
    std::fprintf(stderr, "bench_schedule: %s\n", warm.error().message.c_str());
    return 1;
  }
  auto t0 = Clock::now();
  for (int i = 0; i < kIdleRounds; ++i) {
    auto r = scheduler::release_due(*ctx->store, *idle_at, options);
    if (!r || !r->empty()) {
      std::fprintf(stderr, "bench_schedule: the idle step did something\n");
      return 1;
    }
  }
  auto t1 = Clock::now();
  auto released = scheduler::release_due(*ctx->store, *release_at, options);
  auto t2 = Clock::now();
  if (!released) {
    std::fprintf(stderr, "bench_schedule: %s\n", released.error().message.c_str());
    return 1;
  }
  std::size_t readers = 0;
  for (const auto& r : *released) readers += r.readers;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("idle_ms %.3f\nrelease_ms %.1f\nreaders %zu\ncohorts %zu\nmax_rss_kb %ld\n",
              std::chrono::duration<double, std::milli>(t1 - t0).count() / kIdleRounds,
              std::chrono::duration<double, std::milli>(t2 - t1).count(), readers, released->size(),
              usage.ru_maxrss);
  return 0;
}
