// Merge fields of an issue and text that holds them, compiled for fast filling.
//
// An issue is rendered once (Markdown, layout); what differs per reader (name, email,
// the issue date in the reader's zone, the unsubscribe and preferences links) is left
// in the rendered text as a marker: the byte 0x01 followed by one letter naming the
// field. Inputs that reach the renderer are refused when they hold control bytes, so
// a marker cannot come from an editor, a publisher or a reader.
//
// MergeText splits such a text once, and then writes it for one reader either plainly
// or as quoted-printable. For quoted-printable it encodes every line without a marker
// at compile time; per reader it encodes only the lines that hold a marker. The result
// is byte for byte quoted_printable(plain text) (mime/mime.hpp), since that encoding
// works line by line.
//
// REQUIRES of field values: no CR or LF (a value must not add lines), so that the
// compiled line structure stays true. Immutable after compile(); safe from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "markdown/fields.hpp"

namespace broadsheet::render {

using markdown::field_marker;
using markdown::field_name;
using markdown::kReaderFieldCount;
using markdown::link_marker;
using markdown::link_scheme_allowed;
using markdown::marker_field;
using markdown::reader_field_named;
using markdown::ReaderField;

// Values of the reader fields, indexed by ReaderField, already escaped for where the
// text goes (HTML-escaped for HTML, as they are for plain text).
using FieldValues = std::array<std::string_view, kReaderFieldCount>;

class MergeText {
 public:
  MergeText() = default;
  // REQUIRES: every 0x01 in `text` starts a marker made by field_marker or link_marker.
  static MergeText compile(std::string_view text);

  // The text with every marker replaced by its value (a link_marker's only when
  // link_scheme_allowed).
  void append_plain(const FieldValues& values, std::string& out) const;
  // quoted_printable() of what append_plain writes, without building that text.
  void append_quoted_printable(const FieldValues& values, std::string& out) const;

  // Upper bound of the bytes append_quoted_printable writes, apart from the values.
  std::size_t encoded_size_hint() const { return encoded_size_; }
  // True when some marker of `field` occurs.
  bool uses(ReaderField field) const;

 private:
  struct Piece {
    std::string literal;  // text before the field
    int field = -1;       // ReaderField index, or -1 for the end of the line
    bool link = false;    // a link_marker
  };
  struct Chunk {
    std::string encoded;      // lines without markers, already quoted-printable
    std::vector<Piece> line;  // else one line with markers, encoded per reader
    bool line_break = false;  // the line is followed by CRLF
  };
  std::string source_;
  std::vector<Chunk> chunks_;
  std::size_t encoded_size_ = 0;
  unsigned used_ = 0;  // bit per ReaderField
};

}  // namespace broadsheet::render
