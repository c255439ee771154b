// The provider webhooks' payload parsers (src/webhooks/) on any bytes, past the
// signature check that guards them in the receiver: the SNS envelope (parse_sns, the
// string its signature is over, the certificate URL rule) and the SES message it
// carries, and the Postmark, SendGrid and Mailgun bodies. Each input goes through all
// of them: a body of one provider is hostile input to the others too.
// Invariants: nothing crashes; at most kMaxEvents events a body; and no event names a
// delivery, because nobody without the key can sign a token (the seeds' tokens are
// signed under the tests' key, not this one).
#include <string>
#include <string_view>

#include "bounce/bounce.hpp"
#include "fuzz/fuzz_support.hpp"
#include "webhooks/providers.hpp"
#include "webhooks/sns.hpp"

using namespace broadsheet;

namespace {

const std::string kLinkKey(32, 'f');

void check(const Result<webhooks::ProviderEvents>& events) {
  if (!events) {
    fuzz::require(!events.error().message.empty(), "a refusal says why");
    return;
  }
  fuzz::require(events->events.size() <= webhooks::kMaxEvents, "at most kMaxEvents events");
  for (const auto& e : events->events) {
    fuzz::require(!bounce::delivery_in(e.echoed, kLinkKey).has_value(),
                  "no delivery named without a token signed under the key");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view body = fuzz::as_text(data, size);
  if (auto m = webhooks::parse_sns(body)) {
    (void)webhooks::sns_string_to_sign(*m);
    (void)webhooks::sns_certificate_url_ok(m->signing_cert_url);
    check(webhooks::ses_events(m->message));
  }
  check(webhooks::ses_events(body));
  check(webhooks::postmark_events(body));
  check(webhooks::sendgrid_events(body));
  check(webhooks::mailgun_events(body));
  return 0;
}
