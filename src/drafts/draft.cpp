#include "drafts/draft.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <kainjow/mustache.hpp>

#include "core/files.hpp"
#include "core/resources.hpp"
#include "core/text.hpp"

namespace broadsheet::drafts {
namespace {

namespace mustache = kainjow::mustache;

constexpr std::string_view kBuiltin = "web/templates/draft/draft.md.mustache";
constexpr std::string_view kNoSection = "More";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

constexpr std::array<std::string_view, 7> kWeekdays = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> kMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

std::string long_date(schedule::Day d) {
  const std::string iso = schedule::format_day(d);  // YYYY-MM-DD
  const int month = std::stoi(iso.substr(5, 2));
  const int day = std::stoi(iso.substr(8, 2));
  return fmt::format("{} {} {} {}", kWeekdays[static_cast<std::size_t>(schedule::weekday_of(d))],
                     day, kMonths[static_cast<std::size_t>(month - 1)], iso.substr(0, 4));
}

}  // namespace

std::vector<Article> select_articles(std::vector<Article> candidates,
                                     const DraftSettings& settings) {
  auto rank = [&](const Article& a) {
    const std::string section = lower(a.section);
    for (std::size_t i = 0; i < settings.sections.size(); ++i) {
      if (lower(settings.sections[i]) == section) return i;
    }
    return settings.sections.size();
  };
  std::stable_sort(candidates.begin(), candidates.end(), [&](const Article& x, const Article& y) {
    const std::size_t rx = rank(x), ry = rank(y);
    if (rx != ry) return rx < ry;
    if (x.published_at != y.published_at) return x.published_at > y.published_at;
    return x.id > y.id;
  });
  const std::size_t n = settings.items > 0 ? static_cast<std::size_t>(settings.items) : 0;
  if (candidates.size() > n) candidates.resize(n);
  return candidates;
}

std::string draft_subject(const Newsletter& n, schedule::Day edition) {
  std::string subject = fmt::format("{}: {}", n.name, long_date(edition));
  if (subject.size() > kMaxIssueSubject) subject = excerpt(subject, kMaxIssueSubject);
  return subject;
}

std::string escape_markdown(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (char c : text) {
    switch (c) {
      case '\\': case '`': case '*': case '_': case '{': case '}': case '[': case ']':
      case '(': case ')': case '#': case '+': case '-': case '!': case '<': case '>':
      case '|': case '~': case '&':
        out += '\\';
        out += c;
        break;
      case '\n': case '\r': case '\t':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

Result<DraftLayout> load_draft_layout(const std::string& data_dir, std::string_view slug) {
  namespace fs = std::filesystem;
  const fs::path file = fs::path(data_dir) / "templates" / "draft" / (std::string(slug) + ".md.mustache");
  auto read = read_small_file(file.string(), kMaxDraftLayout);
  if (!read && read.error().code == Errc::not_found) {
    auto builtin = resource(kBuiltin);
    if (!builtin) return make_error(Errc::internal, std::string(kBuiltin) + " is not built in");
    return DraftLayout{std::string(*builtin), "built-in"};
  }
  if (!read) return make_error(Errc::io, "draft layout: " + read.error().message);
  std::string source = std::move(*read);
  if (!is_valid_utf8(source)) {
    return make_error(Errc::invalid_argument, file.string() + " is not UTF-8");
  }
  return DraftLayout{std::move(source), file.string()};
}

Result<std::string> render_draft(const DraftLayout& layout, const Newsletter& n,
                                 schedule::Day edition, const std::vector<Article>& picked) {
  mustache::mustache tmpl{layout.source};
  if (!tmpl.is_valid()) {
    return make_error(Errc::invalid_argument,
                      fmt::format("draft layout {}: {}", layout.origin, tmpl.error_message()));
  }
  // Values are escaped here, for Markdown; the renderer's HTML escaping is off.
  tmpl.set_custom_escape([](const std::string& s) { return s; });
  mustache::data sections{mustache::data::type::list};
  std::vector<std::string> order;
  std::vector<mustache::data> lists;
  for (const Article& a : picked) {
    const std::string name = a.section.empty() ? std::string(kNoSection) : a.section;
    auto at = std::find(order.begin(), order.end(), name);
    if (at == order.end()) {
      order.push_back(name);
      lists.emplace_back(mustache::data::type::list);
      at = order.end() - 1;
    }
    mustache::data item;
    item.set("title", escape_markdown(a.title));
    // A link is a URL the feed gave (absolute, http or https); only ')' and spaces
    // could end it early in Markdown.
    std::string link;
    for (char c : a.url) {
      if (c == ')') link += "%29";
      else if (c == ' ') link += "%20";
      else link += c;
    }
    item.set("link", link);
    item.set("summary", escape_markdown(a.standfirst));
    item.set("author", escape_markdown(a.author));
    item.set("section", escape_markdown(a.section));
    item.set("image", a.image);
    item.set("published_at", format_iso8601(a.published_at));
    lists[static_cast<std::size_t>(at - order.begin())].push_back(item);
  }
  for (std::size_t i = 0; i < order.size(); ++i) {
    mustache::data section;
    section.set("name", escape_markdown(order[i]));
    section.set("articles", lists[i]);
    sections.push_back(section);
  }
  mustache::data data;
  data.set("newsletter_name", escape_markdown(n.name));
  data.set("edition", schedule::format_day(edition));
  data.set("edition_long", long_date(edition));
  data.set("sections", sections);
  std::string out;
  try {
    out = tmpl.render(data);
  } catch (const std::exception& e) {
    return make_error(Errc::invalid_argument,
                      fmt::format("draft layout {}: {}", layout.origin, e.what()));
  }
  if (!tmpl.is_valid()) {
    return make_error(Errc::invalid_argument,
                      fmt::format("draft layout {}: {}", layout.origin, tmpl.error_message()));
  }
  return out;
}

}  // namespace broadsheet::drafts
