// What a relay's refusal means for the sender, and the one line that says so.
//
// A configuration failure is one the relay will repeat for every message until the
// publisher changes a setting: STARTTLS required (smtp.tls = "starttls") but not
// offered or refused for good, a certificate that is not trusted, AUTH refused (5xx)
// or not offered although smtp.username is set, the sender refused at MAIL FROM (5xx,
// except 552, which is about one message's size). Its error is Errc::config and its
// message names the key to change; a send stops on it (send/engine.hpp) instead of
// retrying for a day. Everything else (a connection refused or timed out, a 4xx, a
// closed connection) is transient: Errc::io, retried with backoff.
//
// Pure functions of the relay's options and words, so the classification is tested
// on strings (diagnosis_test.cpp). Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "smtp/reply.hpp"
#include "smtp/smtp.hpp"
#include "transport/transport.hpp"

namespace broadsheet::smtp {

// True for an Error of this file that the publisher must fix (Errc::config).
inline bool is_configuration_failure(const Error& e) { return e.code == Errc::config; }

// `relay` is the relay's name as the pool writes it ("host:port").
Error starttls_not_offered(const RelayOptions& options, std::string_view relay);
Error starttls_refused(const RelayOptions& options, std::string_view relay, const Reply& reply);
// `why`: OpenSSL's words; `certificate`: X509_verify_cert_error_string when the
// certificate was not trusted (then a configuration failure), else empty.
Error tls_handshake_failed(const RelayOptions& options, std::string_view relay,
                           std::string_view why, std::string_view certificate);
Error auth_not_offered(const RelayOptions& options, std::string_view relay, bool tls_on);
Error auth_refused(const RelayOptions& options, std::string_view relay,
                   std::string_view mechanism, const Reply& reply);

// The result of a message whose MAIL FROM got `reply` (not 2xx): a 5xx other than 552
// is the relay refusing the sender, a configuration failure (deferred, with
// `configuration` set, so the reader is not counted as a bounce); anything else as
// classify() says.
transport::DeliveryResult mail_from_refused(std::string_view relay, std::string_view sender,
                                            const Reply& reply);

}  // namespace broadsheet::smtp
