#include "imports/import.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <initializer_list>
#include <optional>

#include "imports/csv.hpp"
#include "core/text.hpp"
#include "core/types.hpp"
#include "schedule/schedule.hpp"

namespace broadsheet::imports {
namespace {

constexpr std::size_t kMaxNameBytes = 200;
constexpr std::size_t kFieldsWithoutHeader = 3;  // email, name, timezone

// Where each thing a row says is found: column indexes, -1 when absent.
struct Columns {
  int email = 0, name = 1, timezone = 2;
  int first_name = -1, last_name = -1;
  int json_attributes = -1;  // listmonk's `attributes`, a JSON object
  // Columns that say the reader left: a row that says so is left out.
  int status = -1, email_disabled = -1, unsubscribed_at = -1;
  std::vector<std::pair<int, std::string>> attributes;  // column, key
  bool has_header = false;
  std::size_t fields = 0;  // of the header
  std::vector<ColumnUse> report;
};

// A header name as compared: lowercase ASCII, without spaces, tabs, "_" and "-", so
// that "Email Address", "email_address" and "E-mail" meet their spellings.
std::string canonical(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c == ' ' || c == '\t' || c == '_' || c == '-') continue;
    out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

bool is_one_of(std::string_view c, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), c) != names.end();
}

// Other providers' bookkeeping, which means nothing here: why each is ignored.
const char* bookkeeping(std::string_view c) {
  if (is_one_of(c, {"id", "uuid", "leid", "euid", "subscriberid", "memberid"})) {
    return "another provider's record id";
  }
  if (is_one_of(c, {"optintime", "confirmtime", "lastchanged", "createdat", "updatedat",
                    "subscriptioncreatedat", "unsubcampaigntitle", "unsubcampaignid",
                    "unsubreason", "unsubreasonother"})) {
    return "another provider's dates and history: readers imported here start now";
  }
  if (is_one_of(c, {"optinip", "confirmip", "ip", "ipaddress", "signupip"})) {
    return "an IP address, which Broadsheet does not keep from imports";
  }
  if (is_one_of(c, {"memberrating", "rating"})) return "another provider's engagement rating";
  if (is_one_of(c, {"latitude", "longitude", "gmtoff", "dstoff"})) {
    return "another provider's guess at where the reader is (the time zone column says it)";
  }
  return nullptr;
}

// Works out the column layout from the first record.
Result<Columns> columns_from(std::vector<std::string> first) {
  if (!first.empty() && first[0].size() >= 3 && static_cast<unsigned char>(first[0][0]) == 0xEF &&
      static_cast<unsigned char>(first[0][1]) == 0xBB &&
      static_cast<unsigned char>(first[0][2]) == 0xBF) {
    first[0].erase(0, 3);  // a UTF-8 byte order mark, as spreadsheets write
  }
  if (!first.empty() && first[0].find('@') != std::string::npos) return Columns{};
  Columns c;
  c.email = c.name = c.timezone = -1;
  c.has_header = true;
  c.fields = first.size();
  auto find_use = [&](int* slot, int i, const char* use) {
    if (*slot >= 0) {
      return fmt::format("a second {} column (\"{}\" is used)", use,
                         c.report[static_cast<std::size_t>(*slot)].header);
    }
    *slot = i;
    return std::string();
  };
  std::vector<std::string> keys_seen;
  for (int i = 0; i < static_cast<int>(first.size()); ++i) {
    const std::string header(trim_whitespace(first[static_cast<std::size_t>(i)]));
    const bool printable = is_valid_utf8(header) && !has_unprintable_chars(header);
    ColumnUse col{printable ? excerpt(header, 80) : excerpt(header, 40), "", ""};
    const std::string h = canonical(header);
    std::string ignored;
    if (is_one_of(h, {"email", "emailaddress", "mail"})) {
      if (c.email >= 0) return make_error(Errc::invalid_argument, "the header names email twice");
      c.email = i;
      col.use = "email";
    } else if (is_one_of(h, {"name", "fullname"})) {
      ignored = find_use(&c.name, i, "name");
      col.use = "name";
    } else if (is_one_of(h, {"firstname", "fname"})) {
      ignored = find_use(&c.first_name, i, "first name");
      col.use = "first name";
    } else if (is_one_of(h, {"lastname", "lname"})) {
      ignored = find_use(&c.last_name, i, "last name");
      col.use = "last name";
    } else if (is_one_of(h, {"tz", "timezone"})) {
      ignored = find_use(&c.timezone, i, "time zone");
      col.use = "time zone";
    } else if (is_one_of(h, {"attributes", "attribs"})) {
      ignored = find_use(&c.json_attributes, i, "JSON attributes");
      col.use = "attributes (JSON)";
    } else if (h == "status") {
      ignored = find_use(&c.status, i, "status");
      col.use = "left out if it says the reader left";
    } else if (h == "emaildisabled") {
      ignored = find_use(&c.email_disabled, i, "email_disabled");
      col.use = "left out if it says the reader left";
    } else if (h == "unsubtime") {
      ignored = find_use(&c.unsubscribed_at, i, "UNSUB_TIME");
      col.use = "left out if it says the reader left";
    } else if (const char* why = bookkeeping(h)) {
      ignored = why;
    } else if (header.empty()) {
      ignored = "the header gives it no name";
    } else if (!printable) {
      ignored = "its name is not printable UTF-8 text";
    } else if (header.size() > kMaxAttributeKeyBytes) {
      ignored = fmt::format("its name is longer than {} bytes, the limit of an attribute's",
                            kMaxAttributeKeyBytes);
    } else if (std::find(keys_seen.begin(), keys_seen.end(), h) != keys_seen.end()) {
      ignored = "a second column of that name";
    } else if (c.attributes.size() >= kMaxReaderAttributes) {
      ignored = fmt::format("past the limit of {} attribute columns", kMaxReaderAttributes);
    } else {
      keys_seen.push_back(h);
      c.attributes.emplace_back(i, header);
      col.use = "attribute";
    }
    if (!ignored.empty()) {
      col.use.clear();
      col.ignored_because = std::move(ignored);
    }
    c.report.push_back(std::move(col));
  }
  if (c.email < 0) {
    return make_error(Errc::invalid_argument,
                      "line 1 must be a header with an \"email\" column (or \"Email Address\", "
                      "\"E-mail\", \"mail\"; optionally \"name\" and \"timezone\"), or the first "
                      "row of addresses");
  }
  // A name column wins over first and last names: they would say it twice.
  if (c.name >= 0) {
    for (int* part : {&c.first_name, &c.last_name}) {
      if (*part < 0) continue;
      auto& col = c.report[static_cast<std::size_t>(*part)];
      col.use.clear();
      col.ignored_because =
          fmt::format("the name is taken from \"{}\"", c.report[static_cast<std::size_t>(c.name)].header);
      *part = -1;
    }
  }
  return c;
}

std::string_view field(const std::vector<std::string>& f, int index) {
  if (index < 0 || index >= static_cast<int>(f.size())) return {};
  return f[static_cast<std::size_t>(index)];
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Whether the row says the reader left the other provider: they are not imported.
bool says_left(const std::vector<std::string>& f, const Columns& cols) {
  if (cols.status >= 0 &&
      is_one_of(lower(trimmed(field(f, cols.status))),
                {"unsubscribed", "blocklisted", "blacklisted", "blocked", "cleaned", "bounced",
                 "complained", "disabled"})) {
    return true;
  }
  if (cols.email_disabled >= 0 &&
      is_one_of(lower(trimmed(field(f, cols.email_disabled))), {"true", "1", "yes"})) {
    return true;
  }
  return cols.unsubscribed_at >= 0 && !trimmed(field(f, cols.unsubscribed_at)).empty();
}

// Adds an attribute to `row` when it is within the bounds, else says why not.
void add_attribute(store::ImportRow& row, std::string_view key, std::string value,
                   std::vector<std::string>& notes) {
  if (value.empty()) return;
  if (row.attributes.size() >= kMaxReaderAttributes) {
    notes.push_back(fmt::format("attribute \"{}\" left out: a reader has at most {} attributes",
                                excerpt(key), kMaxReaderAttributes));
  } else if (key.empty() || key.size() > kMaxAttributeKeyBytes || has_unprintable_chars(key)) {
    notes.push_back(fmt::format("attribute \"{}\" left out: its name is empty, longer than {} "
                                "bytes or not printable",
                                excerpt(key), kMaxAttributeKeyBytes));
  } else if (value.size() > kMaxAttributeValueBytes) {
    notes.push_back(fmt::format("attribute \"{}\" left out: its value is longer than {} bytes",
                                excerpt(key), kMaxAttributeValueBytes));
  } else if (has_control_chars(value)) {
    notes.push_back(
        fmt::format("attribute \"{}\" left out: its value holds control characters", excerpt(key)));
  } else {
    for (const auto& a : row.attributes) {
      if (a.key == key) return;  // the first of a name wins
    }
    row.attributes.push_back({std::string(key), std::move(value)});
  }
}

// listmonk's attributes: a JSON object; strings are kept as they are, other values as
// their JSON text.
void add_json_attributes(store::ImportRow& row, std::string_view json_text,
                         std::vector<std::string>& notes) {
  if (trimmed(json_text).empty()) return;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json_text, ec);
  if (ec || !v.is_object()) {
    notes.push_back("the JSON attributes are not a JSON object; left out");
    return;
  }
  for (const auto& [key, value] : v.as_object()) {
    if (value.is_null()) continue;
    std::string text_value;
    if (value.is_string()) {
      const boost::json::string& str = value.as_string();
      text_value.assign(str.data(), str.size());
    } else {
      text_value = boost::json::serialize(value);
    }
    add_attribute(row, std::string_view(key.data(), key.size()), std::move(text_value), notes);
  }
}

// Validates one record into a row, or says why not. `notes` gets the attributes left out.
Result<store::ImportRow> row_from(const std::vector<std::string>& f, const Columns& cols,
                                  const address::AddressPolicy& policy,
                                  std::vector<std::string>& notes) {
  // First: with a field too many or too few, every other message would mislead.
  if (cols.has_header && f.size() != cols.fields) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} field{}, the header has {}", f.size(),
                                  f.size() == 1 ? "" : "s", cols.fields));
  }
  if (!cols.has_header && f.size() > kFieldsWithoutHeader) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} fields; without a header a row has at most {} (email, "
                                  "name, timezone)",
                                  f.size(), kFieldsWithoutHeader));
  }
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
  if (cols.name >= 0 || (cols.first_name < 0 && cols.last_name < 0)) {
    row.name = trimmed(field(f, cols.name));
  } else {
    row.name = trimmed(field(f, cols.first_name));
    std::string last = trimmed(field(f, cols.last_name));
    if (!row.name.empty() && !last.empty()) row.name += ' ';
    row.name += last;
  }
  if (row.name.size() > kMaxNameBytes) {
    return make_error(Errc::invalid_argument,
                      fmt::format("name is longer than {} bytes", kMaxNameBytes));
  }
  if (has_unprintable_chars(row.name)) {
    return make_error(Errc::invalid_argument, "name contains control characters");
  }
  row.timezone = trimmed(field(f, cols.timezone));
  if (!row.timezone.empty() && !schedule::is_known_timezone(row.timezone)) {
    std::string shown = row.timezone.substr(0, 60);
    if (has_unprintable_chars(shown)) shown = "(unprintable)";
    return make_error(Errc::invalid_argument, fmt::format("unknown time zone \"{}\"", shown));
  }
  for (const auto& [index, key] : cols.attributes) {
    add_attribute(row, key, trimmed(field(f, index)), notes);
  }
  if (cols.json_attributes >= 0) add_json_attributes(row, field(f, cols.json_attributes), notes);
  return row;
}

}  // namespace

Result<ImportReport> import_csv(store::Store& store, std::FILE* file, const ImportRequest& request,
                                const RejectSink& on_reject, const ProgressSink& on_progress,
                                const NoteSink& on_note) {
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
  // The column mapping: a mapped header is read as the name of our column.
  for (const auto& [theirs, ours] : request.column_map) {
    for (auto& field : fields) {
      if (trim_whitespace(field) == trim_whitespace(theirs)) field = ours;
    }
  }
  auto cols = columns_from(fields);
  if (!cols) return cols.error();
  report.columns = cols->report;

  store::ImportOptions options;
  options.newsletter_id = newsletter->id;
  options.confirmed = request.confirmed;
  options.send_confirmations = request.send_confirmations;
  options.resend_after = request.resend_after;
  auto session = store.begin_import(options);
  if (!session) return session.error();

  auto reject = [&](std::size_t line, const std::string& why) {
    ++report.rejected;
    if (on_reject) on_reject(line, why);
  };
  std::vector<std::string> notes;
  auto handle = [&](const std::vector<std::string>& record, std::size_t line) -> Status {
    ++report.rows;
    if (record.size() == 1 && record[0].empty()) {
      --report.rows;  // a blank line
      return {};
    }
    notes.clear();
    auto row = row_from(record, *cols, request.address_policy, notes);
    if (!row) {
      reject(line, row.error().message);
      return {};
    }
    if (says_left(record, *cols)) {
      ++report.left_out;
      return {};
    }
    if (on_note) {
      for (const auto& note : notes) on_note(line, note);
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

}  // namespace broadsheet::imports
