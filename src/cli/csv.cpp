#include "cli/csv.hpp"

namespace broadsheet::cli {

CsvReader::CsvReader(std::FILE* file, std::size_t max_record_bytes)
    : file_(file), max_(max_record_bytes), buf_(1 << 20) {}

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

CsvReader::Outcome CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  int c = peek();
  if (c == EOF) return error_ ? Outcome::io_error : Outcome::end;
  record_line_ = line_;
  fields.emplace_back();
  std::size_t size = 0;
  bool quoted = false;
  bool field_start = true;
  while (true) {
    c = get();
    if (c == EOF) {
      if (error_) return Outcome::io_error;
      return quoted ? Outcome::unterminated : Outcome::record;
    }
    if (++size > max_) {
      // Skip to the end of the physical line; the quote state of a runaway record
      // cannot be trusted, and a bounded skip keeps one bad line from eating the file.
      if (c != '\n') {
        while ((c = get()) != EOF && c != '\n') {
        }
      }
      if (c == '\n') ++line_;
      fields.clear();
      return error_ ? Outcome::io_error : Outcome::too_long;
    }
    if (quoted) {
      if (c == '"') {
        if (peek() == '"') {
          get();
          fields.back().push_back('"');
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line_;
        fields.back().push_back(static_cast<char>(c));
      }
      continue;
    }
    if (c == '"' && field_start) {
      quoted = true;
      field_start = false;
    } else if (c == ',') {
      fields.emplace_back();
      field_start = true;
    } else if (c == '\n') {
      ++line_;
      if (!fields.back().empty() && fields.back().back() == '\r') fields.back().pop_back();
      return Outcome::record;
    } else {
      fields.back().push_back(static_cast<char>(c));
      field_start = false;
    }
  }
}

void csv_append_field(std::string& out, std::string_view field) {
  const bool formula =
      !field.empty() && std::string_view("=+-@\t\r").find(field.front()) != std::string_view::npos;
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    if (formula) out.push_back('\'');
    out.append(field);
    return;
  }
  out.push_back('"');
  if (formula) out.push_back('\'');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace broadsheet::cli
