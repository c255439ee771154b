#include "cli/relay_check.hpp"

#include <spdlog/spdlog.h>

namespace broadsheet::cli {

void log_relay_checks(smtp::Pool& pool) {
  pool.check_relays([](const smtp::Pool::RelayCheck& c) {
    if (c.ok) {
      spdlog::info("relay check: {}", c.what);
    } else if (c.configuration) {
      spdlog::error("relay check: {}; issues sent through it stop at once until it is fixed",
                    c.what);
    } else {
      spdlog::warn("relay check: {}; the server keeps running and sends when it is back",
                   c.what);
    }
  });
}

}  // namespace broadsheet::cli
