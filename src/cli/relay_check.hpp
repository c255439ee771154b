// `serve`'s look at its relays when it starts: each configured relay is checked once
// (smtp::Pool::check_relays: connect, EHLO, STARTTLS and AUTH as configured, QUIT; no
// message) and one line per relay goes to the log, saying what it found. A relay that
// is down is a warning: serve keeps running and sends when it comes back. A relay that
// refuses the configuration is an error naming the key to change: every issue sent
// through it would stop at once.
//
// The check runs on the pool's threads, so serving does not wait for a slow relay.
#pragma once

#include "smtp/smtp.hpp"

namespace broadsheet::cli {

// REQUIRES: `pool` outlives the check, or is stopped first (then nothing is logged).
void log_relay_checks(smtp::Pool& pool);

}  // namespace broadsheet::cli
