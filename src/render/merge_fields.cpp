#include "render/merge_fields.hpp"

#include <cctype>

#include "mime/mime.hpp"

namespace broadsheet::render {
namespace {

using markdown::kMarkerByte;
using markdown::Marker;
using markdown::marker_at;

std::string_view value_of(const FieldValues& values, Marker m) {
  const std::string_view value = values[static_cast<std::size_t>(m.field)];
  return m.link && !link_scheme_allowed(value) ? std::string_view() : value;
}

// quoted_printable() of one line without its line end, appended to `out`: the same
// rules as mime/qp.cpp, written table-driven into reserved room because this runs per
// reader (the property test in merge_fields_test.cpp holds the two to the same bytes).
enum ByteClass : unsigned char { kLiteral, kWhite, kDot, kEscape };
constexpr std::array<ByteClass, 256> kClasses = [] {
  std::array<ByteClass, 256> classes{};
  for (int c = 0; c < 256; ++c) {
    classes[c] = c == ' ' || c == '\t'                ? kWhite
                 : c == '.'                           ? kDot
                 : c >= 0x21 && c <= 0x7E && c != '=' ? kLiteral
                                                      : kEscape;
  }
  return classes;
}();
constexpr std::size_t kMaxQpLine = 76;

void append_qp_line(std::string_view line, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  if (line.empty()) return;
  const std::size_t old = out.size();
  out.resize(old + 3 * line.size() + 3 * (line.size() / 24 + 1));
  char* p = out.data() + old;
  std::size_t column = 0;
  auto escape = [&](unsigned char c) {
    p[0] = '=';
    p[1] = kHex[c >> 4];
    p[2] = kHex[c & 0xF];
    p += 3;
    column += 3;
  };
  auto soft_break_unless = [&](std::size_t width, std::size_t room) {
    if (column + width > room) {
      p[0] = '=';
      p[1] = '\r';
      p[2] = '\n';
      p += 3;
      column = 0;
    }
  };
  // Every byte but the last keeps room for a soft break after it.
  const std::size_t body = line.size() - 1;
  for (std::size_t i = 0; i < body; ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    const ByteClass kind = kClasses[c];
    if (kind == kEscape) {
      soft_break_unless(3, kMaxQpLine - 1);
      escape(c);
      continue;
    }
    soft_break_unless(1, kMaxQpLine - 1);
    if (kind == kDot && column == 0) {
      escape(c);
    } else {
      *p++ = static_cast<char>(c);
      ++column;
    }
  }
  // The last byte: white space there is escaped, and it needs no room after it.
  const auto c = static_cast<unsigned char>(line[body]);
  const ByteClass kind = kClasses[c];
  const bool literal = kind == kLiteral || kind == kDot;
  soft_break_unless(literal ? 1 : 3, kMaxQpLine);
  if (literal && !(kind == kDot && column == 0)) {
    *p++ = static_cast<char>(c);
  } else {
    escape(c);
  }
  out.resize(static_cast<std::size_t>(p - out.data()));
}

}  // namespace

MergeText MergeText::compile(std::string_view text) {
  MergeText t;
  t.source_ = std::string(text);
  Chunk fixed;
  for (std::size_t start = 0;;) {
    const std::size_t newline = text.find('\n', start);
    const bool last = newline == std::string_view::npos;
    std::string_view line = text.substr(start, newline - start);
    if (line.find(kMarkerByte) == std::string_view::npos) {
      // quoted_printable() treats CRLF as LF; a CR elsewhere is data.
      if (!last && line.ends_with('\r')) line.remove_suffix(1);
      fixed.encoded += mime::quoted_printable(line);
      if (!last) fixed.encoded += "\r\n";
    } else {
      if (!fixed.encoded.empty()) {
        t.encoded_size_ += fixed.encoded.size();
        t.chunks_.push_back(std::move(fixed));
        fixed = Chunk{};
      }
      Chunk dynamic;
      dynamic.line_break = !last;
      std::size_t from = 0;
      for (std::size_t at = line.find(kMarkerByte); at != std::string_view::npos;
           at = line.find(kMarkerByte, from)) {
        const Marker m = marker_at(line, at);
        dynamic.line.push_back({std::string(line.substr(from, at - from)), m.field, m.link});
        t.used_ |= 1u << m.field;
        from = at + 2;
      }
      dynamic.line.push_back({std::string(line.substr(from)), -1});
      // A line's literal text encodes to at most three bytes a byte, plus soft breaks.
      t.encoded_size_ += 4 * line.size() + 2;
      t.chunks_.push_back(std::move(dynamic));
    }
    if (last) break;
    start = newline + 1;
  }
  if (!fixed.encoded.empty()) {
    t.encoded_size_ += fixed.encoded.size();
    t.chunks_.push_back(std::move(fixed));
  }
  return t;
}

void MergeText::append_plain(const FieldValues& values, std::string& out) const {
  std::string_view text = source_;
  std::size_t from = 0;
  for (std::size_t at = text.find(kMarkerByte); at != std::string_view::npos;
       at = text.find(kMarkerByte, from)) {
    out.append(text.substr(from, at - from));
    out.append(value_of(values, marker_at(text, at)));
    from = at + 2;
  }
  out.append(text.substr(from));
}

void MergeText::append_quoted_printable(const FieldValues& values, std::string& out) const {
  thread_local std::string line;
  for (const Chunk& chunk : chunks_) {
    if (chunk.line.empty()) {
      out += chunk.encoded;
      continue;
    }
    line.clear();
    for (const Piece& piece : chunk.line) {
      line += piece.literal;
      if (piece.field >= 0) line += value_of(values, {piece.field, piece.link});
    }
    // As in quoted_printable(): the CR of a CRLF belongs to the line break. Only now is
    // it known which CR that is, since a value may be empty.
    if (chunk.line_break && line.ends_with('\r')) line.pop_back();
    append_qp_line(line, out);
    if (chunk.line_break) out += "\r\n";
  }
}

bool MergeText::uses(ReaderField field) const {
  return (used_ >> static_cast<unsigned>(field)) & 1u;
}

}  // namespace broadsheet::render
