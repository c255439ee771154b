#include "feeds/parse.hpp"

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>

#include <memory>
#include <mutex>
#include <optional>

#include "core/text.hpp"
#include "feeds/date.hpp"
#include "feeds/text.hpp"

namespace broadsheet::feeds {
namespace {

constexpr std::string_view kAtom = "http://www.w3.org/2005/Atom";
constexpr std::string_view kRss1 = "http://purl.org/rss/1.0/";
constexpr std::string_view kRdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr std::string_view kDc = "http://purl.org/dc/elements/1.1/";
constexpr std::string_view kContent = "http://purl.org/rss/1.0/modules/content/";
constexpr std::string_view kMedia = "http://search.yahoo.com/mrss/";

constexpr std::size_t kMaxLink = 2000;
constexpr std::size_t kMaxGuid = 500;
constexpr std::size_t kMaxAuthor = 200;
constexpr std::size_t kMaxSection = 100;
// Enough of an item's HTML to find its text and first picture.
constexpr std::size_t kMaxItemHtml = 256 * 1024;

// No external resource is ever loaded, whatever the options say.
xmlParserInputPtr refuse_external(const char* /*url*/, const char* /*id*/, xmlParserCtxtPtr) {
  return nullptr;
}

void set_up_libxml2() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetExternalEntityLoader(refuse_external);
  });
}

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
struct CtxtFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

std::string_view sv(const xmlChar* s) {
  return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}
const xmlChar* xc(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

std::string_view ns_of(const xmlNode* n) { return n->ns ? sv(n->ns->href) : std::string_view(); }

// An element named `name` in namespace `ns` ("" for none; kRss1 also matches none, so
// that RSS 1.0 reads like RSS 2.0).
bool is(const xmlNode* n, std::string_view ns, std::string_view name) {
  if (n->type != XML_ELEMENT_NODE || sv(n->name) != name) return false;
  const std::string_view actual = ns_of(n);
  if (ns.empty() || ns == kRss1) return actual.empty() || actual == kRss1;
  return actual == ns;
}

std::string content_of(const xmlNode* n) {
  xmlChar* c = xmlNodeGetContent(n);
  if (!c) return "";
  std::string out(reinterpret_cast<const char*>(c));
  xmlFree(c);
  return out;
}

std::string attr(const xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, xc(name));
  if (!v) return "";
  std::string out(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return std::string(trim_whitespace(out));
}

bool has_xml_base(const xmlNode* n) {
  for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
    if (xmlHasNsProp(n, xc("base"), XML_XML_NAMESPACE)) return true;
  }
  return false;
}

bool http_url(std::string_view u) {
  return u.starts_with("http://") || u.starts_with("https://") || u.starts_with("HTTP://") ||
         u.starts_with("HTTPS://");
}

// Resolves links of one document.
class Resolver {
 public:
  Resolver(xmlDoc* doc, std::string fetch_url) : doc_(doc), fetch_url_(std::move(fetch_url)) {}
  void set_site(std::string site) { site_ = std::move(site); }

  // `href` made absolute against the base in force at `n`; "" unless http(s).
  std::string resolve(std::string_view href, const xmlNode* n) const {
    std::string h(trim_whitespace(href));
    if (h.empty() || h.size() > kMaxLink) return "";
    std::string base;
    if (has_xml_base(n)) {
      xmlChar* b = xmlNodeGetBase(doc_, n);
      if (b) {
        base = reinterpret_cast<const char*>(b);
        xmlFree(b);
      }
    }
    if (base.empty()) base = site_.empty() ? fetch_url_ : site_;
    xmlChar* abs = xmlBuildURI(xc(h.c_str()), xc(base.c_str()));
    if (!abs) return "";
    std::string out(reinterpret_cast<const char*>(abs));
    xmlFree(abs);
    if (!http_url(out) || out.size() > kMaxLink) return "";
    for (char c : out) {
      if (static_cast<unsigned char>(c) <= 0x20) return "";
    }
    return out;
  }

 private:
  xmlDoc* doc_;
  std::string fetch_url_;
  std::string site_;
};

bool image_type(std::string_view type) { return type.starts_with("image/"); }

// media:content, media:thumbnail (also inside media:group): an image's URL, or "".
std::string media_image(const xmlNode* n, const Resolver& r) {
  if (is(n, kMedia, "thumbnail")) return r.resolve(attr(n, "url"), n);
  if (is(n, kMedia, "content")) {
    const std::string medium = attr(n, "medium"), type = attr(n, "type");
    if (medium == "image" || image_type(type)) return r.resolve(attr(n, "url"), n);
  }
  if (is(n, kMedia, "group")) {
    for (const xmlNode* c = n->children; c; c = c->next) {
      if (auto img = media_image(c, r); !img.empty()) return img;
    }
  }
  return "";
}

// "jane@example.com (Jane Doe)" → "Jane Doe", as RSS writes authors.
std::string author_name(std::string_view raw) {
  std::string_view t = trim_whitespace(raw);
  const auto open = t.find('('), close = t.rfind(')');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open &&
      t.substr(0, open).find('@') != std::string_view::npos) {
    t = t.substr(open + 1, close - open - 1);
  }
  return clean_text(t, kMaxAuthor);
}

// What an item's elements gave, before it is made a FeedItem.
struct Fields {
  std::string title;
  bool title_html = true;
  std::string link;
  std::string summary_html, content_html;
  bool summary_is_text = false, content_is_text = false;
  std::string section, image, author, guid;
  std::optional<UnixSeconds> published, updated;
};

std::optional<FeedItem> finish(Fields f, const Resolver& r, const xmlNode* item,
                               UnixSeconds fetched_at, const ParseLimits& limits) {
  FeedItem out;
  out.link = f.link;
  out.guid = clean_text(f.guid, kMaxGuid);
  if (out.link.empty() && out.guid.empty()) return std::nullopt;
  std::string_view html = f.summary_html.empty() ? f.content_html : f.summary_html;
  const bool as_text = f.summary_html.empty() ? f.content_is_text : f.summary_is_text;
  if (html.size() > kMaxItemHtml) html = html.substr(0, kMaxItemHtml);
  out.summary =
      as_text ? clean_text(html, limits.max_summary) : html_to_text(html, limits.max_summary);
  out.title = f.title_html ? html_to_text(f.title, limits.max_title)
                           : clean_text(f.title, limits.max_title);
  if (out.title.empty()) out.title = out.summary.empty() ? "(untitled)" : excerpt(out.summary, 80);
  out.section = clean_text(f.section, kMaxSection);
  out.author = author_name(f.author);
  out.image = f.image;
  if (out.image.empty()) {
    for (std::string_view h :
         {std::string_view(f.content_html), std::string_view(f.summary_html)}) {
      if (h.size() > kMaxItemHtml) h = h.substr(0, kMaxItemHtml);
      if (auto src = first_image(h); !src.empty()) {
        out.image = r.resolve(src, item);
        if (!out.image.empty()) break;
      }
    }
  }
  auto when = f.published ? f.published : f.updated;
  out.dated = when.has_value();
  out.published_at = when.value_or(fetched_at);
  return out;
}

std::optional<UnixSeconds> date_of(const xmlNode* n) { return parse_feed_date(content_of(n)); }

// An <item> of RSS 2.0 or 1.0.
std::optional<FeedItem> rss_item(const xmlNode* item, const Resolver& r, UnixSeconds fetched_at,
                                 const ParseLimits& limits) {
  Fields f;
  std::string guid_link;
  for (const xmlNode* n = item->children; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    if (is(n, "", "title")) {
      f.title = content_of(n);
    } else if (is(n, "", "link")) {
      f.link = r.resolve(content_of(n), n);
    } else if (is(n, "", "description")) {
      f.summary_html = content_of(n);
    } else if (is(n, kContent, "encoded")) {
      f.content_html = content_of(n);
    } else if (is(n, "", "guid")) {
      f.guid = content_of(n);
      if (attr(n, "isPermaLink") != "false") guid_link = r.resolve(f.guid, n);
    } else if (is(n, "", "pubDate") || is(n, kDc, "date")) {
      if (!f.published) f.published = date_of(n);
    } else if ((is(n, "", "author") || is(n, kDc, "creator")) && f.author.empty()) {
      f.author = content_of(n);
    } else if ((is(n, "", "category") || is(n, kDc, "subject")) && f.section.empty()) {
      f.section = content_of(n);
    } else if (is(n, "", "enclosure") && f.image.empty()) {
      if (image_type(attr(n, "type"))) f.image = r.resolve(attr(n, "url"), n);
    } else if (ns_of(n) == kMedia && f.image.empty()) {
      f.image = media_image(n, r);
    }
  }
  if (f.guid.empty()) f.guid = attr(item, "about");  // rdf:about of RSS 1.0
  if (f.link.empty()) f.link = guid_link;
  return finish(std::move(f), r, item, fetched_at, limits);
}

// The text of an Atom text construct (type text, html or xhtml).
std::string atom_text(const xmlNode* n, bool& is_html) {
  const std::string type = attr(n, "type");
  is_html = type == "html" || type == "text/html";
  return content_of(n);
}

std::string atom_author(const xmlNode* author) {
  for (const xmlNode* c = author->children; c; c = c->next) {
    if (is(c, kAtom, "name")) return content_of(c);
  }
  return "";
}

std::optional<FeedItem> atom_entry(const xmlNode* entry, const std::string& feed_author,
                                   const Resolver& r, UnixSeconds fetched_at,
                                   const ParseLimits& limits) {
  Fields f;
  std::string first_link;
  for (const xmlNode* n = entry->children; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    if (is(n, kAtom, "title")) {
      f.title = atom_text(n, f.title_html);
    } else if (is(n, kAtom, "link")) {
      const std::string rel = attr(n, "rel");
      const std::string href = r.resolve(attr(n, "href"), n);
      if (rel.empty() || rel == "alternate") {
        if (f.link.empty()) f.link = href;
      } else if (rel == "enclosure" && image_type(attr(n, "type")) && f.image.empty()) {
        f.image = href;
      }
    } else if (is(n, kAtom, "id")) {
      f.guid = content_of(n);
    } else if (is(n, kAtom, "published")) {
      f.published = date_of(n);
    } else if (is(n, kAtom, "updated")) {
      f.updated = date_of(n);
    } else if (is(n, kAtom, "summary")) {
      bool html = false;
      f.summary_html = atom_text(n, html);
      f.summary_is_text = !html;
    } else if (is(n, kAtom, "content")) {
      bool html = false;
      f.content_html = atom_text(n, html);
      f.content_is_text = !html;
    } else if (is(n, kAtom, "author") && f.author.empty()) {
      f.author = atom_author(n);
    } else if (is(n, kAtom, "category") && f.section.empty()) {
      f.section = attr(n, "label").empty() ? attr(n, "term") : attr(n, "label");
    } else if (ns_of(n) == kMedia && f.image.empty()) {
      f.image = media_image(n, r);
    }
  }
  if (f.author.empty()) f.author = feed_author;
  return finish(std::move(f), r, entry, fetched_at, limits);
}

void add(ParsedFeed& feed, std::optional<FeedItem> item, const ParseLimits& limits) {
  if (!item || feed.items.size() >= limits.max_items) {
    ++feed.skipped;
    return;
  }
  feed.items.push_back(std::move(*item));
}

void read_atom(const xmlNode* root, Resolver& r, ParsedFeed& feed, UnixSeconds fetched_at,
               const ParseLimits& limits) {
  feed.format = "Atom 1.0";
  std::string feed_author;
  for (const xmlNode* n = root->children; n; n = n->next) {
    if (is(n, kAtom, "title")) {
      bool html = false;
      feed.title = clean_text(atom_text(n, html), limits.max_title);
    } else if (is(n, kAtom, "link") && feed.link.empty()) {
      const std::string rel = attr(n, "rel");
      if (rel.empty() || rel == "alternate") feed.link = r.resolve(attr(n, "href"), n);
    } else if (is(n, kAtom, "author") && feed_author.empty()) {
      feed_author = atom_author(n);
    }
  }
  for (const xmlNode* n = root->children; n; n = n->next) {
    if (is(n, kAtom, "entry")) add(feed, atom_entry(n, feed_author, r, fetched_at, limits), limits);
  }
}

// RSS 2.0: items inside <channel>. RSS 1.0: items beside it, under rdf:RDF.
void read_rss(const xmlNode* root, const xmlNode* channel, Resolver& r, ParsedFeed& feed,
              UnixSeconds fetched_at, const ParseLimits& limits) {
  if (channel) {
    for (const xmlNode* n = channel->children; n; n = n->next) {
      if (is(n, "", "title")) feed.title = html_to_text(content_of(n), limits.max_title);
      if (is(n, "", "link") && feed.link.empty()) feed.link = r.resolve(content_of(n), n);
    }
  }
  // Relative links of RSS are taken against the channel's link (there is no xml:base
  // in most RSS), then the fetch URL.
  r.set_site(feed.link);
  for (const xmlNode* parent : {channel, root}) {
    if (!parent) continue;
    for (const xmlNode* n = parent->children; n; n = n->next) {
      if (is(n, "", "item")) add(feed, rss_item(n, r, fetched_at, limits), limits);
    }
  }
}

std::string xml_error(const xmlParserCtxt* ctxt) {
  const xmlError& e = ctxt->lastError;
  std::string message = e.message ? std::string(trim_whitespace(e.message)) : "unknown error";
  return fmt::format("not well-formed XML: {} (line {})", excerpt(message, 120), e.line);
}

}  // namespace

Result<ParsedFeed> parse_feed(std::string_view document, std::string_view fetch_url,
                              UnixSeconds fetched_at, const ParseLimits& limits) {
  set_up_libxml2();
  const auto refuse = [](std::string reason) {
    return make_error(Errc::invalid_argument, std::move(reason));
  };
  if (document.size() > limits.max_bytes) {
    return refuse(fmt::format("the feed is {} bytes, more than the limit of {} bytes",
                              document.size(), limits.max_bytes));
  }
  if (trim_whitespace(document).empty()) return refuse("the feed is empty");
  // Entity declarations serve no feed and are how entity attacks begin: refused before
  // libxml2 sees them (and again below, for encodings this scan cannot read).
  if (document.find("<!ENTITY") != std::string_view::npos) {
    return refuse("the feed declares XML entities (<!ENTITY>), which are refused");
  }
  std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
  if (!ctxt) return make_error(Errc::internal, "libxml2 could not make a parser");
  const std::string url(fetch_url);
  // Not: XML_PARSE_NOENT (expand entities), XML_PARSE_DTDLOAD, XML_PARSE_HUGE.
  const int options = XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR |
                      XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS;
  std::unique_ptr<xmlDoc, DocFree> doc(xmlCtxtReadMemory(ctxt.get(), document.data(),
                                                         static_cast<int>(document.size()),
                                                         url.c_str(), nullptr, options));
  if (!doc || !ctxt->wellFormed) return refuse(xml_error(ctxt.get()));
  if (doc->intSubset && (doc->intSubset->entities || doc->intSubset->pentities)) {
    return refuse("the feed declares XML entities (<!ENTITY>), which are refused");
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root) return refuse("the feed has no root element");

  ParsedFeed feed;
  Resolver resolver(doc.get(), url);
  if (is(root, kAtom, "feed")) {
    read_atom(root, resolver, feed, fetched_at, limits);
  } else if (sv(root->name) == "rss" && ns_of(root).empty()) {
    const xmlNode* channel = nullptr;
    for (const xmlNode* n = root->children; n && !channel; n = n->next) {
      if (is(n, "", "channel")) channel = n;
    }
    if (!channel) return refuse("an RSS document without a <channel>");
    feed.format = "RSS 2.0";
    read_rss(root, channel, resolver, feed, fetched_at, limits);
  } else if (is(root, kRdf, "RDF")) {
    const xmlNode* channel = nullptr;
    for (const xmlNode* n = root->children; n && !channel; n = n->next) {
      if (is(n, kRss1, "channel")) channel = n;
    }
    feed.format = "RSS 1.0";
    read_rss(root, channel, resolver, feed, fetched_at, limits);
  } else {
    return refuse(fmt::format("not an RSS or Atom feed: the root element is <{}>",
                              excerpt(sv(root->name), 40)));
  }
  return feed;
}

}  // namespace broadsheet::feeds
