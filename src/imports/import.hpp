// Importing subscribers from CSV into one newsletter.
//
// Columns, when the first line is a header, in any order, their names read without
// regard to case, spaces, "_" and "-" (the names Mailchimp, listmonk and Substack
// export): the address from `email`, `Email Address`, `E-mail` or `mail` (required);
// the name from `name` or `full name`, else from `First Name`/`fname` and
// `Last Name`/`lname` joined with a space; the time zone from `timezone`, `time zone`
// or `tz`. Columns that say a reader left (`status` unsubscribed, blocklisted, cleaned
// ...; Substack's `email_disabled`; Mailchimp's `UNSUB_TIME`) leave that row out. A
// listmonk `attributes` column (a JSON object) and every other column become reader
// attributes (core/types.hpp: at most 20, keys of 64 bytes, values of 500); the
// other provider's bookkeeping (record ids, its dates, IP addresses, ratings) and
// columns past the bounds are ignored, and the report says why for each.
//
// A file whose first line is already an address is read as email,name,timezone. Every
// row is validated (the header's number of fields, UTF-8, address rules, name length
// and characters, IANA time zone); rejected rows are reported with their line number
// and reason and the rest are imported, or with `strict` nothing is. An attribute value
// past the bounds is left out with a note, and its reader imported. A record that is
// too long or not valid CSV is rejected whole (imports/csv.hpp). The whole import is one
// transaction: a failure half-way (I/O, the store) leaves nothing behind.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "address/address.hpp"
#include "core/result.hpp"
#include "store/store.hpp"

namespace broadsheet::imports {

struct ImportRequest {
  std::string newsletter_slug;
  bool confirmed = false;
  bool strict = false;                     // any rejected row cancels the import
  std::size_t max_line_bytes = 64 * 1024;  // longer records are rejected
  address::AddressPolicy address_policy;
  // Queue a confirmation email for each unconfirmed reader of the file, unless one
  // went to them at or after `resend_after` (store/imports.hpp ImportOptions).
  bool send_confirmations = false;
  UnixSeconds resend_after = 0;
  // The file's header names (as written, spaces at the ends aside) taken as one of
  // ours ("email", "name", "first name", "last name", "timezone") whatever the names
  // above say: the column mapping of the desk's and the API's imports.
  std::vector<std::pair<std::string, std::string>> column_map;
};

// What the import made of one column of the header.
struct ColumnUse {
  std::string header;  // as the file names it (an excerpt, printable)
  std::string use;     // "email", "name", "first name", "last name", "time zone",
                       // "attribute", "attributes (JSON)", "left out if it says the
                       // reader left"; empty when ignored
  std::string ignored_because;  // why the column was not used; empty when used
};

struct ImportReport {
  std::size_t rows = 0;  // data rows read (header excluded)
  std::size_t rejected = 0;
  std::size_t left_out = 0;  // rows the file says left (status, email_disabled, ...)
  std::vector<ColumnUse> columns;  // of the header; empty without one
  store::ImportCounts counts;
  bool committed = false;
};

// Called for each rejected row: line number and reason.
using RejectSink = std::function<void(std::size_t line, const std::string& reason)>;
// Called for each attribute value left out of an imported row: line number and why.
using NoteSink = std::function<void(std::size_t line, const std::string& note)>;
// Called now and then with bytes consumed and rows read.
using ProgressSink = std::function<void(std::size_t bytes, std::size_t rows)>;

// Errors: Errc::not_found (newsletter), Errc::invalid_argument (empty file, no email
// column, strict import with rejected rows), Errc::io, Errc::database.
Result<ImportReport> import_csv(store::Store& store, std::FILE* file, const ImportRequest& request,
                                const RejectSink& on_reject, const ProgressSink& on_progress,
                                const NoteSink& on_note = {});

}  // namespace broadsheet::imports
