#include "smtp/diagnosis.hpp"

#include <fmt/format.h>

namespace broadsheet::smtp {
namespace {

// Where the relay's TLS mode is set, and what to set it to instead of starttls.
std::string tls_fix(const RelayOptions& options, std::string_view relay) {
  if (options.listed) {
    return fmt::format("set its mode in smtp.relays ({0}:none or {0}:tls)", relay);
  }
  return "set smtp.tls = \"none\" or \"tls\"";
}

bool permanent(const Reply& reply) { return reply.code >= 500 && reply.code < 600; }

}  // namespace

Error starttls_not_offered(const RelayOptions& options, std::string_view relay) {
  return make_error(Errc::config,
                    fmt::format("relay {} does not offer STARTTLS: {}, or use a relay that offers it",
                                relay, tls_fix(options, relay)));
}

Error starttls_refused(const RelayOptions& options, std::string_view relay, const Reply& reply) {
  if (!permanent(reply)) {
    return make_error(Errc::io,
                      fmt::format("relay {} refused STARTTLS for now: {}", relay, reply.one_line()));
  }
  return make_error(Errc::config,
                    fmt::format("relay {} refused STARTTLS: {}: {}, or use a relay that offers it",
                                relay, reply.one_line(), tls_fix(options, relay)));
}

Error tls_handshake_failed(const RelayOptions& options, std::string_view relay,
                           std::string_view why, std::string_view certificate) {
  if (certificate.empty()) {
    return make_error(Errc::io, fmt::format("relay {}: TLS handshake failed: {}", relay, why));
  }
  const std::string where =
      options.ca_file.empty() ? "the system's roots" : fmt::format("smtp.ca_file {}", options.ca_file);
  return make_error(
      Errc::config,
      fmt::format("relay {}: TLS handshake failed: {} ({}): its certificate is not trusted by {} "
                  "for the name {}: set smtp.ca_file to the CA that signed it, or smtp.verify = "
                  "false",
                  relay, why, certificate, where, options.host));
}

Error auth_not_offered(const RelayOptions& options, std::string_view relay, bool tls_on) {
  if (!tls_on) {
    return make_error(
        Errc::config,
        fmt::format("relay {} does not offer AUTH PLAIN or LOGIN (some offer it only over TLS): "
                    "set smtp.tls = \"starttls\" or \"tls\", or leave smtp.username empty for a "
                    "relay that needs no AUTH",
                    relay));
  }
  (void)options;
  return make_error(Errc::config,
                    fmt::format("relay {} does not offer AUTH PLAIN or LOGIN: leave smtp.username "
                                "empty for a relay that needs no AUTH, or use one that offers it",
                                relay));
}

Error auth_refused(const RelayOptions& options, std::string_view relay,
                   std::string_view mechanism, const Reply& reply) {
  if (!permanent(reply)) {
    return make_error(Errc::io, fmt::format("relay {}: AUTH {} refused for now: {}", relay,
                                            mechanism, reply.one_line()));
  }
  return make_error(
      Errc::config,
      fmt::format("relay {}: AUTH {} refused: {}: check smtp.username (\"{}\") and the password "
                  "in smtp.password_file (or smtp.password)",
                  relay, mechanism, reply.one_line(), options.username));
}

transport::DeliveryResult mail_from_refused(std::string_view relay, std::string_view sender,
                                            const Reply& reply) {
  transport::DeliveryResult result = classify(reply, "MAIL FROM");
  if (!permanent(reply) || reply.code == 552) return result;
  result.kind = transport::DeliveryResult::Kind::deferred;
  result.configuration = true;
  result.reply = fmt::format(
      "relay {} refuses the sender <{}>: {}: use a From address the relay accepts "
      "(newsletter update SLUG --from), or authenticate (smtp.username)",
      relay, sender, result.reply);
  return result;
}

}  // namespace broadsheet::smtp
