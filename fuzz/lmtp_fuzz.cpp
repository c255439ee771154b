// The inbound listener's session on any bytes (src/inbound/session.hpp), split into
// lines as the listener splits them: it never crashes, every command line gets a reply,
// a reply is whole lines, and no message over the limit or with a recipient the hooks
// refused is ever handed over.
#include <string>
#include <string_view>

#include "fuzz/fuzz_support.hpp"
#include "inbound/session.hpp"

using namespace broadsheet;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  inbound::Limits limits;
  limits.max_message_bytes = 512;
  limits.max_recipients = 4;
  inbound::Session session("fuzz.example", limits, inbound::Hooks{[](std::string_view a) {
                             return a.starts_with("bounce+");
                           }});
  std::size_t at = 0;
  while (at < input.size()) {
    auto nl = input.find('\n', at);
    if (nl == std::string_view::npos) nl = input.size();
    const bool in_data = session.in_data();
    inbound::Step step = session.on_line(input.substr(at, nl - at));
    at = nl + 1;
    fuzz::require(step.reply.empty() || step.reply.ends_with("\r\n"), "replies are whole lines");
    fuzz::require(in_data || !step.reply.empty(), "every command gets a reply");
    if (step.deliver) {
      fuzz::require(step.deliver->message.size() <= limits.max_message_bytes, "within the limit");
      fuzz::require(!step.deliver->recipients.empty() &&
                        step.deliver->recipients.size() <= limits.max_recipients,
                    "one to max_recipients recipients");
      for (const auto& r : step.deliver->recipients) {
        fuzz::require(r.starts_with("bounce+"), "only recipients the hooks took");
      }
      std::vector<inbound::Outcome> outcomes(step.deliver->recipients.size(),
                                             inbound::Outcome::handled);
      step = session.delivered(outcomes);
      fuzz::require(!step.reply.empty(), "a reply after the message");
    }
    if (step.close) break;
  }
  return 0;
}
