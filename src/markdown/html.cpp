// Markdown to email HTML: md4c parses, this file writes each element with its inline
// styles (markdown.hpp says why and which).
#include <fmt/format.h>

#include <vector>

#include "core/text.hpp"
#include "markdown/detail.hpp"

namespace broadsheet::markdown {
namespace {

using detail::append_with_fields;
using detail::attribute_text;
using detail::decode_entity;
using detail::link_target;

// The palette: dark enough on white, light enough when a client inverts it, and with
// classes that the layout's dark-mode rules (web/templates/email/) recolour.
constexpr std::string_view kParagraph = "margin:0 0 16px;font-size:17px;line-height:1.6";
constexpr std::string_view kListItem = "margin:0 0 6px;font-size:17px;line-height:1.6";
constexpr std::string_view kList = "margin:0 0 16px;padding:0 0 0 26px";
constexpr std::string_view kQuote =
    "margin:0 0 16px;padding:2px 0 2px 16px;border-left:4px solid #d9d4c7;color:#4d4a44";
constexpr std::string_view kPre =
    "margin:0 0 16px;padding:12px;background-color:#f1eee6;font-family:Menlo,Consolas,"
    "'Courier New',monospace;font-size:14px;line-height:1.45;white-space:pre-wrap;"
    "word-wrap:break-word";
constexpr std::string_view kCode =
    "font-family:Menlo,Consolas,'Courier New',monospace;font-size:15px;"
    "background-color:#f1eee6;padding:1px 4px";
constexpr std::string_view kRule = "border:0;border-top:1px solid #d9d4c7;margin:24px 0;height:0";
constexpr std::string_view kLink = "color:#0b5394;text-decoration:underline";
constexpr std::string_view kImage =
    "display:block;max-width:100%;height:auto;border:0;outline:none;text-decoration:none;"
    "margin:0 0 16px";
constexpr std::string_view kTable =
    "border-collapse:collapse;margin:0 0 16px;font-size:15px;line-height:1.4";
constexpr std::string_view kHeadCell =
    "padding:6px 8px;border-bottom:2px solid #d9d4c7;font-weight:bold;vertical-align:bottom";
constexpr std::string_view kCell =
    "padding:6px 8px;border-bottom:1px solid #e6e1d6;vertical-align:top";

std::string_view heading_style(unsigned level) {
  switch (level) {
    case 1:
      return "margin:28px 0 12px;font-size:28px;line-height:1.25;font-weight:bold";
    case 2:
      return "margin:24px 0 10px;font-size:23px;line-height:1.3;font-weight:bold";
    case 3:
      return "margin:20px 0 8px;font-size:19px;line-height:1.35;font-weight:bold";
    default:
      return "margin:16px 0 8px;font-size:17px;line-height:1.4;font-weight:bold";
  }
}

std::string_view align_name(MD_ALIGN align) {
  switch (align) {
    case MD_ALIGN_CENTER:
      return "center";
    case MD_ALIGN_RIGHT:
      return "right";
    default:
      return "left";
  }
}

class HtmlRenderer {
 public:
  explicit HtmlRenderer(const MarkdownOptions& options) : options_(options) {}

  Result<Rendered> render(std::string_view markdown) {
    out_.reserve(markdown.size() * 2);
    second_story_ = detail::second_story_block(markdown);
    const int rc = detail::parse(markdown, *this);
    if (!error_) return error_.error();
    if (rc != 0) return make_error(Errc::internal, "md4c could not parse the Markdown");
    Rendered out;
    out.first_story_end = first_story_end_.value_or(out_.size());
    out.out = std::move(out_);
    return out;
  }

 private:
  // md4c calls the event members below.
  template <typename Renderer>
  friend int detail::parse(std::string_view markdown, Renderer& renderer);

  // Normal text is held back until the next event, so a merge field that md4c hands
  // over in pieces is still seen whole.
  bool flush() {
    if (!pending_.empty()) {
      if (image_depth_ > 0) {
        alt_ += pending_;
      } else if (auto ok = append_with_fields(out_, pending_, true, options_); !ok) {
        error_ = ok;
      }
      pending_.clear();
    }
    return static_cast<bool>(error_);
  }

  int enter_block(MD_BLOCKTYPE type, void* detail) {
    if (!flush()) return 1;
    if (blocks_.enter(type, second_story_)) first_story_end_ = out_.size();
    switch (type) {
      case MD_BLOCK_QUOTE:
        out_ += fmt::format("<blockquote class=\"bs-rule\" style=\"{}\">\n", kQuote);
        break;
      case MD_BLOCK_UL:
        out_ += fmt::format("<ul style=\"{}\">\n", kList);
        break;
      case MD_BLOCK_OL: {
        unsigned start = static_cast<MD_BLOCK_OL_DETAIL*>(detail)->start;
        out_ += start == 1 ? fmt::format("<ol style=\"{}\">\n", kList)
                           : fmt::format("<ol start=\"{}\" style=\"{}\">\n", start, kList);
        break;
      }
      case MD_BLOCK_LI:
        out_ += fmt::format("<li style=\"{}\">", kListItem);
        break;
      case MD_BLOCK_HR:
        out_ += fmt::format("<hr class=\"bs-rule\" style=\"{}\">\n", kRule);
        break;
      case MD_BLOCK_H: {
        unsigned level = static_cast<MD_BLOCK_H_DETAIL*>(detail)->level;
        out_ += fmt::format("<h{} style=\"{}\">", level, heading_style(level));
        break;
      }
      case MD_BLOCK_CODE:
        out_ += fmt::format("<pre class=\"bs-code\" style=\"{}\"><code>", kPre);
        break;
      case MD_BLOCK_P:
        out_ += fmt::format("<p style=\"{}\">", kParagraph);
        break;
      case MD_BLOCK_TABLE:
        out_ += fmt::format(
            "<table width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
            "style=\"{}\">\n",
            kTable);
        break;
      case MD_BLOCK_THEAD:
        out_ += "<thead>\n";
        break;
      case MD_BLOCK_TBODY:
        out_ += "<tbody>\n";
        break;
      case MD_BLOCK_TR:
        out_ += "<tr>\n";
        break;
      case MD_BLOCK_TH:
      case MD_BLOCK_TD: {
        std::string_view align = align_name(static_cast<MD_BLOCK_TD_DETAIL*>(detail)->align);
        const bool head = type == MD_BLOCK_TH;
        out_ += fmt::format("<{} align=\"{}\" class=\"bs-rule\" style=\"{};text-align:{}\">",
                            head ? "th" : "td", align, head ? kHeadCell : kCell, align);
        break;
      }
      default:
        break;
    }
    return 0;
  }

  int leave_block(MD_BLOCKTYPE type, void* detail) {
    if (!flush()) return 1;
    blocks_.leave();
    switch (type) {
      case MD_BLOCK_QUOTE:
        out_ += "</blockquote>\n";
        break;
      case MD_BLOCK_UL:
        out_ += "</ul>\n";
        break;
      case MD_BLOCK_OL:
        out_ += "</ol>\n";
        break;
      case MD_BLOCK_LI:
        out_ += "</li>\n";
        break;
      case MD_BLOCK_H:
        out_ += fmt::format("</h{}>\n", static_cast<MD_BLOCK_H_DETAIL*>(detail)->level);
        break;
      case MD_BLOCK_CODE:
        out_ += "</code></pre>\n";
        break;
      case MD_BLOCK_P:
        out_ += "</p>\n";
        break;
      case MD_BLOCK_TABLE:
        out_ += "</table>\n";
        break;
      case MD_BLOCK_THEAD:
        out_ += "</thead>\n";
        break;
      case MD_BLOCK_TBODY:
        out_ += "</tbody>\n";
        break;
      case MD_BLOCK_TR:
        out_ += "</tr>\n";
        break;
      case MD_BLOCK_TH:
        out_ += "</th>\n";
        break;
      case MD_BLOCK_TD:
        out_ += "</td>\n";
        break;
      default:
        break;
    }
    return 0;
  }

  int enter_span(MD_SPANTYPE type, void* detail) {
    if (!flush()) return 1;
    if (image_depth_ > 0) {
      if (type == MD_SPAN_IMG) ++image_depth_;
      return 0;  // an image's text becomes its alt attribute, without markup
    }
    switch (type) {
      case MD_SPAN_EM:
        out_ += "<em>";
        break;
      case MD_SPAN_STRONG:
        out_ += "<strong>";
        break;
      case MD_SPAN_DEL:
        out_ += "<del>";
        break;
      case MD_SPAN_CODE:
        out_ += fmt::format("<code class=\"bs-code\" style=\"{}\">", kCode);
        break;
      case MD_SPAN_A: {
        auto* a = static_cast<MD_SPAN_A_DETAIL*>(detail);
        auto target = link_target(attribute_text(a->href), false, true, options_);
        if (!target) {
          error_ = target.error();
          return 1;
        }
        links_.push_back(target->has_value());
        if (!target->has_value()) break;
        out_ += fmt::format("<a href=\"{}\"", **target);
        if (a->title.size > 0) {
          out_ += " title=\"";
          append_html_escaped(out_, attribute_text(a->title));
          out_ += "\"";
        }
        out_ += fmt::format(" class=\"bs-link\" style=\"{}\">", kLink);
        break;
      }
      case MD_SPAN_IMG: {
        auto* img = static_cast<MD_SPAN_IMG_DETAIL*>(detail);
        auto target = link_target(attribute_text(img->src), true, true, options_);
        if (!target) {
          error_ = target.error();
          return 1;
        }
        image_src_ = std::move(*target);
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
    if (!flush()) return 1;
    if (image_depth_ > 0) {
      if (type == MD_SPAN_IMG && --image_depth_ == 0) return write_image();
      return 0;
    }
    switch (type) {
      case MD_SPAN_EM:
        out_ += "</em>";
        break;
      case MD_SPAN_STRONG:
        out_ += "</strong>";
        break;
      case MD_SPAN_DEL:
        out_ += "</del>";
        break;
      case MD_SPAN_CODE:
        out_ += "</code>";
        break;
      case MD_SPAN_A:
        if (!links_.empty() && links_.back()) out_ += "</a>";
        if (!links_.empty()) links_.pop_back();
        break;
      default:
        break;
    }
    return 0;
  }

  int write_image() {
    std::string alt = alt_;
    while (!alt.empty() && alt.back() == ' ') alt.pop_back();
    if (alt.empty()) alt = image_title_;
    if (!image_src_) {  // no usable source: the reader gets the words, if any
      if (auto ok = append_with_fields(out_, alt, true, options_); !ok) error_ = ok;
      return error_ ? 0 : 1;
    }
    if (alt.empty()) alt = "Image";
    out_ += fmt::format("<img src=\"{}\" alt=\"", *image_src_);
    if (auto ok = append_with_fields(out_, alt, true, options_); !ok) {
      error_ = ok;
      return 1;
    }
    out_ += "\"";
    if (!image_title_.empty()) {
      out_ += " title=\"";
      append_html_escaped(out_, image_title_);
      out_ += "\"";
    }
    out_ += fmt::format(" style=\"{}\">", kImage);
    return 0;
  }

  int text(MD_TEXTTYPE type, std::string_view text) {
    if (type == MD_TEXT_NORMAL) {
      pending_ += text;
      return 0;
    }
    if (!flush()) return 1;
    if (image_depth_ > 0) {
      if (type == MD_TEXT_BR || type == MD_TEXT_SOFTBR) {
        alt_ += ' ';
      } else if (type == MD_TEXT_ENTITY) {
        alt_ += decode_entity(text).value_or(std::string(text));
      } else if (type == MD_TEXT_NULLCHAR) {
        alt_ += "\uFFFD";
      } else {
        alt_ += text;
      }
      return 0;
    }
    switch (type) {
      case MD_TEXT_NULLCHAR:
        out_ += "\uFFFD";
        break;
      case MD_TEXT_BR:
        out_ += "<br>\n";
        break;
      case MD_TEXT_SOFTBR:
        out_ += "\n";
        break;
      case MD_TEXT_ENTITY:
        append_html_escaped(out_, decode_entity(text).value_or(std::string(text)));
        break;
      default:
        append_html_escaped(out_, text);
        break;  // code, and raw HTML shown as text
    }
    return 0;
  }

  const MarkdownOptions& options_;
  std::string out_;
  std::string pending_;
  Status error_;
  std::vector<bool> links_;  // per open link: written as <a>, or dropped
  int image_depth_ = 0;
  std::optional<std::string> image_src_;
  std::string image_title_, alt_;
  detail::TopLevelBlocks blocks_;
  std::optional<std::size_t> second_story_;     // the top-level block that begins it
  std::optional<std::size_t> first_story_end_;  // where out_ was when it began
};

}  // namespace

Result<Rendered> render_email_html(std::string_view markdown, const MarkdownOptions& options) {
  if (auto ok = detail::check_markdown(markdown); !ok) return ok.error();
  return HtmlRenderer(options).render(markdown);
}

Result<std::string> markdown_to_email_html(std::string_view markdown,
                                           const MarkdownOptions& options) {
  auto out = render_email_html(markdown, options);
  if (!out) return out.error();
  return std::move(out->out);
}

}  // namespace broadsheet::markdown
