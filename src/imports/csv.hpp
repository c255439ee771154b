// RFC 4180 CSV, read as a stream with a bound on each record, and written safely.
//
// The reader trusts nothing in the file. Quoted fields may hold commas, quotes ("")
// and line breaks. A record longer than the bound, or malformed (a quote inside an
// unquoted field, text after a closing quote), is rejected whole: it is read to its
// true end, the first line break outside quotes, without being buffered (a 10 MB
// record costs no memory), and reading goes on with the record after it, never
// inside a quoted field. A quote left open at the end of the file is reported.
// Not thread-safe; one reader per file.
#pragma once

#include "core/text.hpp"

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace broadsheet::imports {

class CsvReader {
 public:
  enum class Outcome {
    record,        // fields hold the next record
    too_long,      // the record passed max_record_bytes and was skipped
    malformed,     // the record breaks RFC 4180 (problem() says how) and was skipped
    unterminated,  // the file ended inside a quoted field
    end,           // no more records
    io_error,      // reading failed
  };

  // Does not own `file`; reads it `buffer_bytes` at a time (tests and the fuzzer use
  // a few bytes, to cross buffer boundaries often). REQUIRES: file open for reading,
  // buffer_bytes > 0.
  CsvReader(std::FILE* file, std::size_t max_record_bytes, std::size_t buffer_bytes = 1 << 20);

  Outcome next(std::vector<std::string>& fields);

  // Line on which the last returned record started (1-based).
  std::size_t line() const { return record_line_; }
  // What was wrong with the last record, after Outcome::malformed.
  const char* problem() const { return problem_ ? problem_ : ""; }
  // Bytes consumed so far, for progress.
  std::size_t bytes_read() const { return consumed_; }

 private:
  bool fill();
  int get();  // next byte or EOF
  int peek();

  std::FILE* file_;
  std::size_t max_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, len_ = 0;
  std::size_t consumed_ = 0;
  std::size_t line_ = 1, record_line_ = 0;
  bool eof_ = false, error_ = false;
  const char* problem_ = nullptr;
};

// Appends one CSV field (core/text.hpp: shared with the API's CSV answers).
using broadsheet::csv_append_field;


}  // namespace broadsheet::imports
