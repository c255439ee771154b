// For tests: reading back what the outbox (transport/outbox.hpp) delivered, with the
// reader the desk's outbox viewer uses (transport/outbox_reader.hpp).
#pragma once

#include "transport/outbox_reader.hpp"

namespace broadsheet::transport::testing {

using transport::list_outbox;
using transport::OutboxEntry;
using transport::read_outbox_message;

}  // namespace broadsheet::transport::testing
