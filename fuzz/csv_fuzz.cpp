// libFuzzer target for the CSV reader of `broadsheet import` (src/imports/csv.hpp).
//
// The property: a bound on the record size changes which records are returned, never
// where records begin. The input is read twice, with no bound and with a small one;
// record for record, the starting lines and outcomes must agree, except that a record
// longer than the bound comes out as too_long (read to its true end), and a record
// within it comes out with the same fields. So no record can start inside a quoted
// field that a skipped record opened, and nothing is returned after a quote left
// open at the end of the file.
//
// By hand: clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I. -Isrc \
//   fuzz/csv_fuzz.cpp src/imports/csv.cpp -o fuzz_csv && ./fuzz_csv -max_total_time=30 fuzz/corpus/csv
#include <stdio.h>  // fmemopen

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "imports/csv.hpp"
#include "fuzz/fuzz_support.hpp"

namespace {

using broadsheet::imports::CsvReader;
using broadsheet::fuzz::require;
using Outcome = CsvReader::Outcome;

constexpr std::size_t kBound = 48;

struct Record {
  Outcome outcome;
  std::size_t line;
  std::size_t bytes;  // raw bytes the record took
  std::vector<std::string> fields;
};

std::vector<Record> read_all(const std::uint8_t* data, std::size_t size, std::size_t bound) {
  std::vector<Record> out;
  // fmemopen refuses a zero-length buffer; an empty file is the same as no bytes.
  static const char kEmpty = 0;
  std::FILE* f = size == 0 ? ::fmemopen(const_cast<char*>(&kEmpty), 1, "rb")
                           : ::fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
  require(f != nullptr, "fmemopen");
  if (size == 0) std::fgetc(f);  // at its end
  // A small buffer, so that "" and CRLF fall across refills too.
  CsvReader reader(f, bound, 7);
  std::vector<std::string> fields;
  std::size_t before = 0;
  std::size_t last_line = 0;
  for (;;) {
    const Outcome o = reader.next(fields);
    if (o == Outcome::end || o == Outcome::io_error) break;
    const std::size_t bytes = reader.bytes_read() - before;
    before = reader.bytes_read();
    require(reader.line() > last_line, "records move forward");
    last_line = reader.line();
    require(o == Outcome::record || fields.empty(), "a rejected record is rejected whole");
    std::size_t kept = 0;
    for (const auto& field : fields) kept += field.size();
    require(kept <= bound, "a record keeps at most the bound");
    out.push_back({o, reader.line(), bytes, fields});
    if (o == Outcome::unterminated) {
      // Nothing comes after a quote that never closes.
      require(reader.next(fields) == Outcome::end, "nothing after an open quote");
      break;
    }
  }
  std::fclose(f);
  require(before == size || size == 0, "every byte is read");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto whole = read_all(data, size, SIZE_MAX);
  const auto bounded = read_all(data, size, kBound);
  require(whole.size() == bounded.size(), "a bound does not change how many records");
  for (std::size_t i = 0; i < whole.size(); ++i) {
    const Record& w = whole[i];
    const Record& b = bounded[i];
    require(w.line == b.line && w.bytes == b.bytes, "a bound does not move records");
    if (w.outcome == Outcome::unterminated) {
      require(b.outcome == Outcome::unterminated, "an open quote stays open");
    } else if (w.bytes > kBound) {
      require(b.outcome == Outcome::too_long, "a record past the bound is too_long");
    } else {
      require(b.outcome == w.outcome && b.fields == w.fields,
              "a record within the bound is the same");
    }
  }
  // Records read back from what csv_append_field writes are the same records, but for
  // the ' that neutralises a field a spreadsheet would run as a formula.
  std::string written;
  std::vector<const Record*> good;
  for (const Record& w : whole) {
    if (w.outcome != Outcome::record) continue;
    good.push_back(&w);
    for (std::size_t k = 0; k < w.fields.size(); ++k) {
      if (k > 0) written += ',';
      broadsheet::imports::csv_append_field(written, w.fields[k]);
    }
    written += '\n';
  }
  const auto again =
      read_all(reinterpret_cast<const std::uint8_t*>(written.data()), written.size(), SIZE_MAX);
  require(again.size() == good.size(), "written records read back");
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::vector<std::string> expected = good[i]->fields;
    for (auto& field : expected) {
      if (!field.empty() && std::string_view("=+-@\t\r").find(field[0]) != std::string_view::npos) {
        field.insert(0, 1, '\'');
      }
    }
    require(again[i].outcome == Outcome::record && again[i].fields == expected,
            "written records read back the same");
  }
  return 0;
}
