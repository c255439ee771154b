// RFC 4180 CSV, read as a stream with a bound on each record, and written safely.
//
// The reader trusts nothing in the file: a record longer than the bound is skipped to
// the end of its line without being buffered (a 10 MB line costs no memory), quoted
// fields may hold commas, quotes ("") and line breaks, and a quote left open at the
// end of the file is reported. Not thread-safe; one reader per file.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace broadsheet::cli {

class CsvReader {
 public:
  enum class Outcome {
    record,            // fields hold the next record
    too_long,          // the record passed max_record_bytes and was skipped
    unterminated,      // the file ended inside a quoted field
    end,               // no more records
    io_error,          // reading failed
  };

  // Does not own `file`. REQUIRES: file open for reading.
  CsvReader(std::FILE* file, std::size_t max_record_bytes);

  Outcome next(std::vector<std::string>& fields);

  // Line on which the last returned record started (1-based).
  std::size_t line() const { return record_line_; }
  // Bytes consumed so far, for progress.
  std::size_t bytes_read() const { return consumed_; }

 private:
  bool fill();
  int get();   // next byte or EOF
  int peek();

  std::FILE* file_;
  std::size_t max_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, len_ = 0;
  std::size_t consumed_ = 0;
  std::size_t line_ = 1, record_line_ = 0;
  bool eof_ = false, error_ = false;
};

// Appends one field to `out`, quoted when it holds a comma, quote or line break. A
// field a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage
// return) gets a ' in front, as OWASP recommends: the CSV is read by people's
// spreadsheets, and the fields come from strangers (a sign-up's name).
void csv_append_field(std::string& out, std::string_view field);

}  // namespace broadsheet::cli
