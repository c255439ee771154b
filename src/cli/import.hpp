// Importing subscribers from CSV into one newsletter.
//
// Columns: email (required), name, timezone, in any order when the first line is a
// header naming them; a file whose first line is already an address is read as
// email,name,timezone. Every row is validated (UTF-8, address rules, name length and
// characters, IANA time zone); rejected rows are reported with their line number
// and reason and the rest are imported, or with `strict` nothing is. A record that is
// too long or not valid CSV is rejected whole (cli/csv.hpp). The whole import
// is one transaction: a failure half-way (I/O, the store) leaves nothing behind.
#pragma once

#include <cstdio>
#include <functional>
#include <string>

#include "address/address.hpp"
#include "core/result.hpp"
#include "store/store.hpp"

namespace broadsheet::cli {

struct ImportRequest {
  std::string newsletter_slug;
  bool confirmed = false;
  bool strict = false;                     // any rejected row cancels the import
  std::size_t max_line_bytes = 64 * 1024;  // longer records are rejected
  address::AddressPolicy address_policy;
};

struct ImportReport {
  std::size_t rows = 0;  // data rows read (header excluded)
  std::size_t rejected = 0;
  store::ImportCounts counts;
  bool committed = false;
};

// Called for each rejected row: line number and reason.
using RejectSink = std::function<void(std::size_t line, const std::string& reason)>;
// Called now and then with bytes consumed and rows read.
using ProgressSink = std::function<void(std::size_t bytes, std::size_t rows)>;

// Errors: Errc::not_found (newsletter), Errc::invalid_argument (empty file, no email
// column, strict import with rejected rows), Errc::io, Errc::database.
Result<ImportReport> import_csv(store::Store& store, std::FILE* file, const ImportRequest& request,
                                const RejectSink& on_reject, const ProgressSink& on_progress);

}  // namespace broadsheet::cli
