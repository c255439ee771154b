#include "store/postgres/retry.hpp"

#include <algorithm>
#include <random>

namespace broadsheet::store::postgres {

std::chrono::milliseconds retry_pause(int attempt) {
  const int base = 10 << std::clamp(attempt - 1, 0, 4);  // 10, 20, 40, 80, 160
  thread_local std::minstd_rand random{std::random_device{}()};
  std::uniform_int_distribution<int> share(base / 2, base);
  return std::chrono::milliseconds(share(random));
}

}  // namespace broadsheet::store::postgres
