// The robot-check payload decoder (base64 JSON, or JSON, as the widget posts it) on any
// bytes: it never crashes and never accepts a payload whose signature it did not make.
#include <string>

#include "core/clock.hpp"
#include "fuzz/fuzz_support.hpp"
#include "robot/altcha.hpp"

using namespace broadsheet;

namespace {

struct FixedClock : Clock {
  UnixSeconds now() const override { return 1'800'000'000; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  static const FixedClock clock;
  static const robot::RobotConfig config = [] {
    robot::RobotConfig c;
    c.hmac_key = std::string(32, 'r');
    c.v2_cost = 10;  // a fuzzed payload may ask for work; keep each run short
    return c;
  }();
  auto solution = robot::verify_solution(fuzz::as_text(data, size), config, clock);
  // Nothing the fuzzer makes can carry a valid HMAC of our key.
  fuzz::require(!solution.ok(), "no forged payload is accepted");
  return 0;
}
