// The Markdown renderers on any bytes up to the issue limit: they never crash, the
// HTML is UTF-8 with no raw <script>, and no link or image target gets a scheme other
// than http, https or mailto, whatever the merge fields hold (a reader's name is
// attacker-chosen, so it is fuzzed too: the input's first line is the name).
#include <string>
#include <string_view>
#include <vector>

#include "core/text.hpp"
#include "core/types.hpp"
#include "fuzz/fuzz_support.hpp"
#include "markdown/markdown.hpp"

using namespace broadsheet;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The values of every href and src attribute of the tags in `html`, read as a browser
// would: text between tags holds no '<' (the renderer escapes it), values are quoted.
std::vector<std::string_view> link_targets(std::string_view html) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while ((i = html.find('<', i)) != std::string_view::npos) {
    std::size_t end = html.find('>', i);
    if (end == std::string_view::npos) break;
    std::string_view tag = html.substr(i + 1, end - i - 1);
    std::size_t at = tag.find(' ');
    while (at != std::string_view::npos && at < tag.size()) {
      at = tag.find_first_not_of(' ', at);
      if (at == std::string_view::npos) break;
      std::size_t eq = tag.find('=', at);
      if (eq == std::string_view::npos || eq + 1 >= tag.size() || tag[eq + 1] != '"') break;
      std::string_view name = tag.substr(at, eq - at);
      std::size_t close = tag.find('"', eq + 2);
      if (close == std::string_view::npos) break;
      if (name == "href" || name == "src") out.push_back(tag.substr(eq + 2, close - eq - 2));
      at = close + 1;
    }
    // A '>' inside a quoted value would end `tag` early; values here never hold one
    // unescaped, as the renderer writes &gt;.
    i = end + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  auto input = fuzz::as_text(data, size);
  if (input.size() > markdown::kMaxMarkdown) return 0;
  auto newline = input.find('\n');
  std::string name(input.substr(0, std::min(newline, input.size())));
  auto body = newline == std::string_view::npos ? input : input.substr(newline + 1);
  // What reaches the renderer has passed the checks at the edge: a body is UTF-8
  // without NUL (check_document), a name is one line of printable text.
  if (!is_valid_utf8(body) || body.find('\0') != std::string_view::npos) return 0;
  if (!is_valid_utf8(name) || has_unprintable_chars(name)) name = "reader";
  markdown::MarkdownOptions options;
  options.base_url = "https://news.example.com";
  options.merge_field = [&](const markdown::FieldRef& field,
                            bool html) -> std::optional<std::string> {
    if (field.name == "name") return html ? html_escaped(name) : name;  // as the issue renderer does
    return std::nullopt;
  };
  auto html = markdown::markdown_to_email_html(body, options);
  if (html) {
    fuzz::require(is_valid_utf8(*html), "HTML is UTF-8");
    auto l = lower(*html);
    fuzz::require(l.find("<script") == std::string::npos, "no script element");
    for (const auto& target : link_targets(l)) {
      bool allowed = target.starts_with("http://") || target.starts_with("https://") ||
                     target.starts_with("mailto:") || target.starts_with("#");
      fuzz::require(allowed, "link targets are http(s), mailto or fragments");
    }
  }
  auto text = markdown::markdown_to_text(body, options);
  if (text) fuzz::require(is_valid_utf8(*text), "text is UTF-8");
  // Where the first story ends (the sponsor's place) is inside what was written, at a
  // line's end, in both renderers.
  for (bool as_html : {true, false}) {
    auto stories =
        as_html ? markdown::render_email_html(body, options) : markdown::render_text(body, options);
    if (!stories) continue;
    const std::size_t end = stories->first_story_end;
    fuzz::require(end <= stories->out.size(), "the first story ends inside the output");
    fuzz::require(end == 0 || stories->out[end - 1] == '\n', "the first story ends a line");
  }
  return 0;
}
