#include "imports/csv.hpp"

namespace broadsheet::imports {

CsvReader::CsvReader(std::FILE* file, std::size_t max_record_bytes, std::size_t buffer_bytes)
    : file_(file), max_(max_record_bytes), buf_(buffer_bytes) {}

bool CsvReader::fill() {
  if (eof_ || error_) return false;
  len_ = std::fread(buf_.data(), 1, buf_.size(), file_);
  pos_ = 0;
  if (len_ == 0) {
    if (std::ferror(file_)) error_ = true;
    eof_ = true;
    return false;
  }
  return true;
}

int CsvReader::get() {
  if (pos_ == len_ && !fill()) return EOF;
  ++consumed_;
  return static_cast<unsigned char>(buf_[pos_++]);
}

int CsvReader::peek() {
  if (pos_ == len_ && !fill()) return EOF;
  return static_cast<unsigned char>(buf_[pos_]);
}

// One pass over the record whatever happens to it: a record that is too long or
// malformed is read to its true end (a line break outside quotes, as the quotes were
// opened and closed) without keeping its bytes, so the next record begins where a
// reader of the file would see it begin, never inside a quoted field.
CsvReader::Outcome CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  problem_ = nullptr;
  int c = peek();
  if (c == EOF) return error_ ? Outcome::io_error : Outcome::end;
  record_line_ = line_;
  fields.emplace_back();
  const std::size_t start = consumed_;
  bool quoted = false;
  bool field_start = true;
  bool after_quote = false;  // a quoted field was closed: only , or the line end may follow
  bool keep = true;          // false once the record is too long: bytes are dropped
  auto end_of_record = [&](Outcome good) {
    if (!keep) return Outcome::too_long;
    if (problem_ != nullptr) {
      fields.clear();
      return Outcome::malformed;
    }
    return good;
  };
  auto malformed = [&](const char* why) {
    if (problem_ == nullptr) problem_ = why;
  };
  while (true) {
    c = get();
    if (c == EOF) {
      if (error_) return Outcome::io_error;
      if (quoted) {
        fields.clear();
        return Outcome::unterminated;
      }
      return end_of_record(Outcome::record);
    }
    if (c == '\n') ++line_;
    const bool escaped_quote = quoted && c == '"' && peek() == '"';  // "" stands for "
    if (escaped_quote) get();
    if (keep && consumed_ - start > max_) {  // every byte of the record counts
      keep = false;
      fields.clear();
    }
    if (quoted) {
      if (escaped_quote) {
        if (keep) fields.back().push_back('"');
      } else if (c == '"') {
        quoted = false;
        after_quote = true;
      } else if (keep) {
        fields.back().push_back(static_cast<char>(c));
      }
      continue;
    }
    if (c == ',') {
      if (keep) fields.emplace_back();
      field_start = true;
      after_quote = false;
    } else if (c == '\n') {
      if (keep && !after_quote && !fields.back().empty() && fields.back().back() == '\r') {
        fields.back().pop_back();
      }
      return end_of_record(Outcome::record);
    } else if (after_quote) {
      // RFC 4180 allows nothing between a closing quote and the delimiter; the bytes
      // stay outside quotes, as most readers take them.
      if (c != '\r' || peek() != '\n') malformed("text after a closing quote");
    } else if (c == '"' && field_start) {
      quoted = true;
      field_start = false;
    } else {
      if (c == '"') malformed("a quote inside an unquoted field");
      if (keep) fields.back().push_back(static_cast<char>(c));
      field_start = false;
    }
  }
}

}  // namespace broadsheet::imports
