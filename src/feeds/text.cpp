#include "feeds/text.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <memory>

#include "core/text.hpp"

namespace broadsheet::feeds {
namespace {

struct HtmlDocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using Doc = std::unique_ptr<xmlDoc, HtmlDocFree>;

constexpr std::size_t kMaxHtml = 4 * 1024 * 1024;

// NONET and no DTD: the HTML parser never fetches anything.
Doc parse_html(std::string_view html) {
  if (html.empty() || html.size() > kMaxHtml) return nullptr;
  return Doc(htmlReadMemory(
      html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
      HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER));
}

bool is_named(const xmlNode* n, const char* name) {
  return n->name && xmlStrcasecmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

bool invisible(const xmlNode* n) {
  for (const char* name :
       {"script", "style", "noscript", "iframe", "object", "template", "head", "svg", "math"}) {
    if (is_named(n, name)) return true;
  }
  return false;
}

bool block(const xmlNode* n) {
  for (const char* name : {"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
                           "blockquote", "tr", "td", "th", "figcaption", "section"}) {
    if (is_named(n, name)) return true;
  }
  return false;
}

// The document from `first` (the document's first child) on, depth-first, without
// recursion: a hostile fragment may nest deeply. Stops after about `budget` bytes.
void collect_text(xmlNode* first, std::string& out, std::size_t budget) {
  const auto* doc = reinterpret_cast<const xmlNode*>(first->doc);
  xmlNode* n = first;
  while (n && out.size() < budget) {
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
      if (n->content) out += reinterpret_cast<const char*>(n->content);
    } else if (n->type == XML_ELEMENT_NODE && block(n)) {
      out += ' ';
    }
    const bool descend = n->type == XML_ELEMENT_NODE && !invisible(n) && n->children;
    if (descend) {
      n = n->children;
      continue;
    }
    while (n && !n->next) {
      n = n->parent;
      if (!n || n == doc) return;
      if (n->type == XML_ELEMENT_NODE && block(n)) out += ' ';
    }
    if (n) n = n->next;
  }
}

bool space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::string clean_text(std::string_view text, std::size_t max_bytes) {
  std::string collapsed;
  collapsed.reserve(std::min(text.size(), max_bytes + 8));
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size() && collapsed.size() <= max_bytes + 8; ++i) {
    char c = text[i];
    // U+00A0 (no-break space) is white space to a reader too.
    if (static_cast<unsigned char>(c) == 0xC2 && i + 1 < text.size() &&
        static_cast<unsigned char>(text[i + 1]) == 0xA0) {
      ++i;
      c = ' ';
    }
    if (space(c)) {
      pending_space = !collapsed.empty();
      continue;
    }
    if (pending_space) collapsed += ' ';
    pending_space = false;
    collapsed += c;
  }
  return excerpt(collapsed, max_bytes);
}

std::string html_to_text(std::string_view html, std::size_t max_bytes) {
  Doc doc = parse_html(html);
  if (!doc) return clean_text(html.size() > kMaxHtml ? "" : html, max_bytes);
  std::string text;
  if (doc->children) collect_text(doc->children, text, 4 * max_bytes + 1024);
  return clean_text(text, max_bytes);
}

std::string first_image(std::string_view html) {
  if (html.find("<img") == std::string_view::npos && html.find("<IMG") == std::string_view::npos) {
    return "";
  }
  Doc doc = parse_html(html);
  if (!doc) return "";
  // Every element of the document, depth-first without recursion.
  xmlNode* n = doc->children;
  while (n) {
    if (n->type == XML_ELEMENT_NODE && is_named(n, "img")) {
      xmlChar* src = xmlGetProp(n, reinterpret_cast<const xmlChar*>("src"));
      if (src) {
        std::string out(reinterpret_cast<const char*>(src));
        xmlFree(src);
        if (!out.empty()) return out;
      }
    }
    if (n->children && n->type == XML_ELEMENT_NODE) {
      n = n->children;
      continue;
    }
    while (n && !n->next) {
      n = n->parent == reinterpret_cast<xmlNode*>(doc.get()) ? nullptr : n->parent;
    }
    if (n) n = n->next;
  }
  return "";
}

}  // namespace broadsheet::feeds
