// Markdown to the plain-text alternative, driven by md4c's events (markdown.hpp says
// what each element becomes). Inline text is gathered per block, then wrapped with
// the prefixes of the blocks around it (list bullets and indents, "> " of quotes).
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

#include "markdown/detail.hpp"

namespace broadsheet::markdown {
namespace {

using detail::append_with_fields;
using detail::attribute_text;
using detail::decode_entity;
using detail::display_width;
using detail::link_target;

constexpr std::size_t kWidth = 72;
constexpr std::size_t kMinWidth = 24;  // deep nesting never squeezes text below this

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits at spaces and tabs, dropping empty words.
std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ' ' || line[i] == '\t') {
      if (i > start) words.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  return words;
}

std::string collapse_spaces(std::string_view text) {
  std::string out;
  for (std::string_view word : words_of(text)) {
    if (!out.empty()) out += ' ';
    out += word;
  }
  for (char& c : out) {
    if (c == '\n') c = ' ';
  }
  return out;
}

// What stands for emphasis in plain text, on both sides of the words.
std::string_view span_mark(MD_SPANTYPE type) {
  switch (type) {
    case MD_SPAN_EM:
      return "_";
    case MD_SPAN_STRONG:
      return "*";
    case MD_SPAN_DEL:
      return "~~";
    default:
      return "";
  }
}

std::string pad(std::string_view cell, std::size_t width, MD_ALIGN align) {
  const std::size_t gap = width - std::min(width, display_width(cell));
  const std::size_t left = align == MD_ALIGN_RIGHT ? gap : align == MD_ALIGN_CENTER ? gap / 2 : 0;
  return std::string(left, ' ') + std::string(cell) + std::string(gap - left, ' ');
}

class TextRenderer {
 public:
  explicit TextRenderer(const MarkdownOptions& options) : options_(options) {}

  Result<Rendered> render(std::string_view markdown) {
    second_story_ = detail::second_story_block(markdown);
    const int rc = detail::parse(markdown, *this);
    if (!error_) return error_.error();
    if (rc != 0) return make_error(Errc::internal, "md4c could not parse the Markdown");
    write_footnotes();
    Rendered out;
    out.first_story_end = first_story_end_.value_or(out_.size());
    out.footnotes = footnotes_.size();
    out.out = std::move(out_);
    return out;
  }

 private:
  // md4c calls the event members below.
  template <typename Renderer>
  friend int detail::parse(std::string_view markdown, Renderer& renderer);

  struct Container {
    bool quote = false;
    std::string bullet;  // list items: "  * " or "  1. "
    bool bullet_written = false;
  };
  struct List {
    bool ordered = false;
    unsigned next = 1;
    bool tight = false;
    bool first_item = true;
  };
  struct Link {
    std::size_t text_start = 0;
    std::optional<std::string> target;
  };
  struct Table {
    std::vector<std::vector<std::string>> rows;
    std::vector<MD_ALIGN> aligns;
    std::size_t head_rows = 0;
    bool in_head = false;
  };

  // ---- output of whole lines

  std::string prefix(bool first_line) const {
    std::string p;
    for (const Container& c : containers_) {
      if (c.quote) {
        p += "> ";
      } else if (first_line && !c.bullet_written) {
        p += c.bullet;
      } else {
        p += std::string(c.bullet.size(), ' ');
      }
    }
    return p;
  }

  void line(std::string_view text, bool first_line) {
    out_ += trim_right(prefix(first_line) + std::string(text));
    out_ += '\n';
    if (first_line) {
      for (Container& c : containers_) c.bullet_written = true;
    }
  }

  void begin_block() {
    if (need_blank_ && !out_.empty()) line("", false);
    need_blank_ = false;
  }

  std::size_t width() const {
    return std::max(kMinWidth, kWidth - std::min(kWidth, display_width(prefix(false))));
  }

  // Wraps `text` (hard breaks as '\n') at the available width; a word longer than the
  // width (a URL) gets a line of its own.
  void paragraph(std::string_view text) {
    begin_block();
    const std::size_t room = width();
    bool first = true;
    for (std::size_t start = 0; start <= text.size();) {
      std::size_t end = std::min(text.find('\n', start), text.size());
      std::string current;
      std::size_t used = 0;
      for (std::string_view word : words_of(text.substr(start, end - start))) {
        const std::size_t w = display_width(word);
        if (!current.empty() && used + 1 + w > room) {
          line(current, first);
          first = false;
          current.clear();
          used = 0;
        }
        if (!current.empty()) {
          current += ' ';
          ++used;
        }
        current += word;
        used += w;
      }
      if (!current.empty() || end < text.size()) {
        line(current, first);
        first = false;
      }
      start = end + 1;
    }
    need_blank_ = true;
  }

  // ---- inline text

  bool flush_pending() {
    if (!pending_.empty()) {
      std::string& into = image_depth_ > 0 ? alt_ : inline_;
      if (auto ok = append_with_fields(into, pending_, false, options_); !ok) error_ = ok;
      pending_.clear();
    }
    return static_cast<bool>(error_);
  }

  // Writes the inline text gathered so far as a paragraph (a tight list item's text,
  // a paragraph, the text of an item before its nested list).
  bool flush_inline() {
    if (!flush_pending()) return false;
    if (table_) return true;
    if (words_of(inline_).empty() && inline_.find('\n') == std::string::npos) {
      inline_.clear();
      return true;
    }
    paragraph(inline_);
    inline_.clear();
    return true;
  }

  std::size_t footnote(const std::string& target) {
    auto [it, added] =
        footnote_numbers_.emplace(target, options_.first_footnote + footnotes_.size());
    if (added) footnotes_.push_back(target);
    return it->second;
  }

  void write_footnotes() {
    if (footnotes_.empty()) return;
    containers_.clear();
    need_blank_ = true;
    begin_block();
    out_ += "Links:\n";
    for (std::size_t i = 0; i < footnotes_.size(); ++i) {
      out_ += fmt::format("[{}] {}\n", options_.first_footnote + i, footnotes_[i]);
    }
  }

  // ---- tables

  void write_table() {
    Table table = std::move(*table_);
    table_.reset();
    std::size_t columns = table.aligns.size();
    for (const auto& row : table.rows) columns = std::max(columns, row.size());
    table.aligns.resize(columns, MD_ALIGN_DEFAULT);
    for (auto& row : table.rows) row.resize(columns);
    std::vector<std::size_t> widths(columns, 1);
    for (const auto& row : table.rows) {
      for (std::size_t c = 0; c < columns; ++c) {
        widths[c] = std::max(widths[c], display_width(row[c]));
      }
    }
    std::size_t total = 3 * (columns - 1);
    for (std::size_t w : widths) total += w;
    begin_block();
    if (total <= width()) {
      for (std::size_t r = 0; r < table.rows.size(); ++r) {
        std::string text;
        for (std::size_t c = 0; c < columns; ++c) {
          if (c > 0) text += " | ";
          text += pad(table.rows[r][c], widths[c], table.aligns[c]);
        }
        line(text, r == 0);
        if (r + 1 == table.head_rows) {
          std::string rule;
          for (std::size_t c = 0; c < columns; ++c) {
            rule += (c > 0 ? "-+-" : "") + std::string(widths[c], '-');
          }
          line(rule, false);
        }
      }
      need_blank_ = true;
      return;
    }
    // Too wide for columns: one record per row, "Header: value".
    const auto& head = table.head_rows > 0 ? table.rows.front() : std::vector<std::string>{};
    for (std::size_t r = table.head_rows; r < table.rows.size(); ++r) {
      std::string record;
      for (std::size_t c = 0; c < columns; ++c) {
        if (c > 0) record += '\n';
        record += c < head.size() && !head[c].empty() ? head[c] + ": " + table.rows[r][c]
                                                      : table.rows[r][c];
      }
      paragraph(record);
    }
  }

  // ---- md4c events

  int enter_block(MD_BLOCKTYPE type, void* detail) {
    if (!flush_inline()) return 1;
    // The blank line before the block is written when its first line is.
    if (blocks_.enter(type, second_story_)) first_story_end_ = out_.size();
    switch (type) {
      case MD_BLOCK_QUOTE:
        begin_block();  // the blank line before a quote is not part of it
        containers_.push_back({true, "", true});
        break;
      case MD_BLOCK_UL:
      case MD_BLOCK_OL: {
        List list;
        list.ordered = type == MD_BLOCK_OL;
        if (list.ordered) {
          auto* ol = static_cast<MD_BLOCK_OL_DETAIL*>(detail);
          list.next = ol->start;
          list.tight = ol->is_tight != 0;
        } else {
          list.tight = static_cast<MD_BLOCK_UL_DETAIL*>(detail)->is_tight != 0;
        }
        // A list nested in a tight item follows the item's text directly.
        if (!lists_.empty() && lists_.back().tight && !containers_.empty() &&
            !containers_.back().quote) {
          need_blank_ = false;
        }
        lists_.push_back(list);
        break;
      }
      case MD_BLOCK_LI: {
        if (lists_.empty()) break;
        List& list = lists_.back();
        std::string bullet = list.ordered ? fmt::format("  {}. ", list.next++) : "  * ";
        if (list.tight && !list.first_item) need_blank_ = false;
        list.first_item = false;
        containers_.push_back({false, std::move(bullet), false});
        break;
      }
      case MD_BLOCK_H:
        heading_level_ = static_cast<MD_BLOCK_H_DETAIL*>(detail)->level;
        break;
      case MD_BLOCK_CODE:
        in_code_ = true;
        code_.clear();
        break;
      case MD_BLOCK_HR:
        begin_block();
        line("* * *", true);
        need_blank_ = true;
        break;
      case MD_BLOCK_TABLE:
        table_.emplace(Table{});  // Clang 14 cannot see Table as default-constructible here
        break;
      case MD_BLOCK_THEAD:
        if (table_) table_->in_head = true;
        break;
      case MD_BLOCK_TR:
        if (table_) table_->rows.emplace_back();
        break;
      case MD_BLOCK_TH:
      case MD_BLOCK_TD:
        if (table_ && table_->rows.size() == 1) {
          table_->aligns.push_back(static_cast<MD_BLOCK_TD_DETAIL*>(detail)->align);
        }
        inline_.clear();
        break;
      default:
        break;
    }
    return 0;
  }

  int leave_block(MD_BLOCKTYPE type, void*) {
    blocks_.leave();
    if (type == MD_BLOCK_TH || type == MD_BLOCK_TD) {
      if (!flush_pending()) return 1;
      if (table_ && !table_->rows.empty()) table_->rows.back().push_back(collapse_spaces(inline_));
      inline_.clear();
      return 0;
    }
    if (type == MD_BLOCK_H) {
      if (!flush_pending()) return 1;
      std::string heading = collapse_spaces(inline_);
      inline_.clear();
      paragraph(heading);
      if (heading_level_ <= 2) {
        const std::size_t w = std::min(display_width(heading), width());
        line(std::string(w, heading_level_ == 1 ? '=' : '-'), false);
      }
      return 0;
    }
    if (!flush_inline()) return 1;
    switch (type) {
      case MD_BLOCK_QUOTE:
        containers_.pop_back();
        need_blank_ = true;
        break;
      case MD_BLOCK_UL:
      case MD_BLOCK_OL:
        lists_.pop_back();
        need_blank_ = true;
        break;
      case MD_BLOCK_LI:
        if (!containers_.back().bullet_written) line("", true);  // an empty item
        containers_.pop_back();
        break;
      case MD_BLOCK_CODE: {
        in_code_ = false;
        begin_block();
        std::string_view code = code_;
        if (code.ends_with('\n')) code.remove_suffix(1);
        bool first = true;
        for (std::size_t start = 0; start <= code.size();) {
          std::size_t end = std::min(code.find('\n', start), code.size());
          line("    " + std::string(code.substr(start, end - start)), first);
          first = false;
          start = end + 1;
        }
        need_blank_ = true;
        break;
      }
      case MD_BLOCK_THEAD:
        if (table_) table_->head_rows = table_->rows.size();
        break;
      case MD_BLOCK_TABLE:
        if (table_) write_table();
        break;
      default:
        break;
    }
    return 0;
  }

  int enter_span(MD_SPANTYPE type, void* detail) {
    if (!flush_pending()) return 1;
    if (image_depth_ > 0) {
      if (type == MD_SPAN_IMG) ++image_depth_;
      return 0;
    }
    inline_ += span_mark(type);
    switch (type) {
      case MD_SPAN_A: {
        auto target = link_target(attribute_text(static_cast<MD_SPAN_A_DETAIL*>(detail)->href),
                                  false, false, options_);
        if (!target) {
          error_ = target.error();
          return 1;
        }
        links_.push_back({inline_.size(), std::move(*target)});
        break;
      }
      case MD_SPAN_IMG: {
        auto* img = static_cast<MD_SPAN_IMG_DETAIL*>(detail);
        image_title_ = attribute_text(img->title);
        alt_.clear();
        image_depth_ = 1;
        break;
      }
      default:
        break;
    }
    return 0;
  }

  int leave_span(MD_SPANTYPE type, void*) {
    if (!flush_pending()) return 1;
    if (image_depth_ > 0) {
      if (type == MD_SPAN_IMG && --image_depth_ == 0) {
        std::string alt = collapse_spaces(alt_);
        if (alt.empty()) alt = image_title_;
        inline_ += alt.empty() ? "[Image]" : "[Image: " + alt + "]";
      }
      return 0;
    }
    inline_ += span_mark(type);
    switch (type) {
      case MD_SPAN_A: {
        if (links_.empty()) break;
        Link link = std::move(links_.back());
        links_.pop_back();
        if (!link.target) break;
        const std::string shown = collapse_spaces(
            std::string_view(inline_).substr(std::min(link.text_start, inline_.size())));
        // An autolink already shows its address.
        if (*link.target == shown || *link.target == "mailto:" + shown ||
            *link.target == "http://" + shown) {
          break;
        }
        inline_ += fmt::format(" [{}]", footnote(*link.target));
        break;
      }
      default:
        break;
    }
    return 0;
  }

  int text(MD_TEXTTYPE type, std::string_view text) {
    if (type == MD_TEXT_NORMAL) {
      pending_ += text;
      return 0;
    }
    if (!flush_pending()) return 1;
    if (in_code_) {
      code_ += text;
      return 0;
    }
    std::string& into = image_depth_ > 0 ? alt_ : inline_;
    switch (type) {
      case MD_TEXT_NULLCHAR:
        into += "\uFFFD";
        break;
      case MD_TEXT_BR:
        into += image_depth_ > 0 ? ' ' : '\n';
        break;
      case MD_TEXT_SOFTBR:
        into += ' ';
        break;
      case MD_TEXT_ENTITY:
        into += decode_entity(text).value_or(std::string(text));
        break;
      default:
        into += text;
        break;  // code spans, and raw HTML shown as text
    }
    return 0;
  }

  const MarkdownOptions& options_;
  Status error_;
  std::string out_;
  std::string inline_;
  std::string pending_;
  bool need_blank_ = false;
  std::vector<Container> containers_;
  std::vector<List> lists_;
  std::vector<Link> links_;
  std::vector<std::string> footnotes_;
  std::map<std::string, std::size_t> footnote_numbers_;
  std::optional<Table> table_;
  unsigned heading_level_ = 1;
  bool in_code_ = false;
  std::string code_;
  int image_depth_ = 0;
  std::string alt_, image_title_;
  detail::TopLevelBlocks blocks_;
  std::optional<std::size_t> second_story_;     // the top-level block that begins it
  std::optional<std::size_t> first_story_end_;  // where out_ was when it began
};

}  // namespace

Result<Rendered> render_text(std::string_view markdown, const MarkdownOptions& options) {
  if (auto ok = detail::check_markdown(markdown); !ok) return ok.error();
  return TextRenderer(options).render(markdown);
}

Result<std::string> markdown_to_text(std::string_view markdown, const MarkdownOptions& options) {
  auto out = render_text(markdown, options);
  if (!out) return out.error();
  return std::move(out->out);
}

}  // namespace broadsheet::markdown
