#include "cli/import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "cli/csv.hpp"
#include "core/types.hpp"
#include "schedule/schedule.hpp"

namespace broadsheet::cli {
namespace {

constexpr std::size_t kMaxNameBytes = 200;

struct Columns {
  int email = 0, name = 1, timezone = 2;
  bool has_header = false;
};

std::string lower_trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Works out the column layout from the first record.
Result<Columns> columns_from(std::vector<std::string> first) {
  if (!first.empty() && first[0].size() >= 3 && static_cast<unsigned char>(first[0][0]) == 0xEF &&
      static_cast<unsigned char>(first[0][1]) == 0xBB &&
      static_cast<unsigned char>(first[0][2]) == 0xBF) {
    first[0].erase(0, 3);  // a UTF-8 byte order mark, as spreadsheets write
  }
  if (!first.empty() && first[0].find('@') != std::string::npos) return Columns{};
  Columns c{-1, -1, -1, true};
  for (int i = 0; i < static_cast<int>(first.size()); ++i) {
    std::string h = lower_trimmed(first[i]);
    if (h == "email" || h == "email address" || h == "e-mail") {
      if (c.email >= 0) return make_error(Errc::invalid_argument, "the header names email twice");
      c.email = i;
    } else if (h == "name") {
      c.name = i;
    } else if (h == "timezone" || h == "time zone" || h == "tz") {
      c.timezone = i;
    }
  }
  if (c.email < 0) {
    return make_error(Errc::invalid_argument,
                      "line 1 must be a header with an \"email\" column (and optionally "
                      "\"name\" and \"timezone\"), or the first row of addresses");
  }
  return c;
}

std::string_view field(const std::vector<std::string>& f, int index) {
  if (index < 0 || index >= static_cast<int>(f.size())) return {};
  return f[index];
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// Validates one record into a row, or says why not.
Result<store::ImportRow> row_from(const std::vector<std::string>& f, const Columns& cols,
                                  const address::AddressPolicy& policy) {
  for (const auto& value : f) {
    if (!is_valid_utf8(value)) {
      return make_error(Errc::invalid_argument, "not valid UTF-8 text");
    }
  }
  std::string_view raw_email = field(f, cols.email);
  if (trimmed(raw_email).empty()) return make_error(Errc::invalid_argument, "no email address");
  auto email = address::parse_email(raw_email, policy);
  if (!email) {
    return make_error(Errc::invalid_argument,
                      fmt::format("invalid email address: {}", email.error().message));
  }
  store::ImportRow row;
  row.email = std::move(email->normalized);
  row.email_display = std::move(email->display);
  row.name = trimmed(field(f, cols.name));
  if (row.name.size() > kMaxNameBytes) {
    return make_error(Errc::invalid_argument,
                      fmt::format("name is longer than {} bytes", kMaxNameBytes));
  }
  if (has_unprintable_chars(row.name)) {
    return make_error(Errc::invalid_argument, "name contains control characters");
  }
  row.timezone = trimmed(field(f, cols.timezone));
  if (!row.timezone.empty() && !is_known_timezone(row.timezone)) {
    std::string shown = row.timezone.substr(0, 60);
    if (has_unprintable_chars(shown)) shown = "(unprintable)";
    return make_error(Errc::invalid_argument, fmt::format("unknown time zone \"{}\"", shown));
  }
  return row;
}

}  // namespace

Result<ImportReport> import_csv(store::Store& store, std::FILE* file, const ImportRequest& request,
                                const RejectSink& on_reject, const ProgressSink& on_progress) {
  auto newsletter = store.newsletter_by_slug(request.newsletter_slug);
  if (!newsletter) return newsletter.error();

  CsvReader reader(file, request.max_line_bytes);
  std::vector<std::string> fields;
  ImportReport report;

  auto first = reader.next(fields);
  if (first == CsvReader::Outcome::end) {
    return make_error(Errc::invalid_argument,
                      "the file is empty: expected a header line with an \"email\" column");
  }
  if (first == CsvReader::Outcome::io_error) {
    return make_error(Errc::io, "reading the file failed");
  }
  if (first == CsvReader::Outcome::malformed) {
    return make_error(Errc::invalid_argument,
                      fmt::format("line 1 is not a readable CSV header: {}", reader.problem()));
  }
  if (first != CsvReader::Outcome::record) {
    return make_error(Errc::invalid_argument,
                      "line 1 is not a readable CSV header (too long or an unclosed quote)");
  }
  auto cols = columns_from(fields);
  if (!cols) return cols.error();

  store::ImportOptions options;
  options.newsletter_id = newsletter->id;
  options.confirmed = request.confirmed;
  auto session = store.begin_import(options);
  if (!session) return session.error();

  auto reject = [&](std::size_t line, const std::string& why) {
    ++report.rejected;
    if (on_reject) on_reject(line, why);
  };
  auto handle = [&](const std::vector<std::string>& record, std::size_t line) -> Status {
    ++report.rows;
    if (record.size() == 1 && record[0].empty()) {
      --report.rows;  // a blank line
      return {};
    }
    auto row = row_from(record, *cols, request.address_policy);
    if (!row) {
      reject(line, row.error().message);
      return {};
    }
    return (*session)->add(*row);
  };

  if (!cols->has_header) {
    if (auto st = handle(fields, reader.line()); !st) return st.error();
  }
  while (true) {
    auto outcome = reader.next(fields);
    if (outcome == CsvReader::Outcome::end) break;
    if (outcome == CsvReader::Outcome::io_error) {
      return make_error(Errc::io, "reading the file failed; nothing was imported");
    }
    // A rejected record was read to its true end: the next one starts after it.
    if (outcome == CsvReader::Outcome::too_long) {
      ++report.rows;
      reject(reader.line(), fmt::format("the record is longer than {} bytes; skipped to its end",
                                        request.max_line_bytes));
      continue;
    }
    if (outcome == CsvReader::Outcome::malformed) {
      ++report.rows;
      reject(reader.line(),
             fmt::format("not valid CSV ({}); skipped to the end of the record", reader.problem()));
      continue;
    }
    if (outcome == CsvReader::Outcome::unterminated) {
      ++report.rows;
      reject(reader.line(), "a quoted field is never closed");
      break;
    }
    if (auto st = handle(fields, reader.line()); !st) return st.error();
    if (on_progress && (report.rows & 0x3FFF) == 0) on_progress(reader.bytes_read(), report.rows);
  }
  if (on_progress) on_progress(reader.bytes_read(), report.rows);

  if (request.strict && report.rejected > 0) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} of {} rows were rejected; with --strict nothing was "
                                  "imported",
                                  report.rejected, report.rows));
  }
  auto counts = (*session)->commit();
  if (!counts) return counts.error();
  report.counts = *counts;
  report.committed = true;
  return report;
}

}  // namespace broadsheet::cli
