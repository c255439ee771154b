// Pieces shared by the two Markdown renderers (markdown.hpp). Internal to src/markdown.
// Pure functions; safe from any thread.
#pragma once

#include <md4c.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "markdown/markdown.hpp"

namespace broadsheet::markdown::detail {

// CommonMark + tables + strikethrough + permissive autolinks; raw HTML is text.
inline constexpr unsigned kParserFlags =
    MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_PERMISSIVEAUTOLINKS | MD_FLAG_NOHTML;

// The checks both renderers make before parsing (see markdown.hpp).
Status check_markdown(std::string_view markdown);

// The UTF-8 text of an entity md4c reports ("&copy;", "&#233;", "&#x1F600;"), or
// nullopt for a name outside the small table of common ones.
std::optional<std::string> decode_entity(std::string_view entity);

// An attribute (link target, image source, title) as text: entities decoded.
std::string attribute_text(const MD_ATTRIBUTE& attribute);

// Appends `text`, escaped for HTML when `html`, with its merge fields replaced by what
// options.merge_field answers. Errc::invalid_argument for an unknown field.
Status append_with_fields(std::string& out, std::string_view text, bool html,
                          const MarkdownOptions& options);

// What a link (or image) may point to, as written into the output (escaped for HTML
// when `html`): nullopt when the target is dropped (see markdown.hpp). A target that
// is exactly one merge field is checked by its value, not its braces: a fixed value as
// if written there, a reader field's marker becomes its link_marker (merge_fields.hpp),
// checked per reader.
Result<std::optional<std::string>> link_target(std::string_view target, bool image, bool html,
                                               const MarkdownOptions& options);

// Runs md4c over `markdown` with the renderer's members enter_block, leave_block,
// enter_span, leave_span (each taking the type and md4c's detail) and text (type and
// text) as its callbacks; a callback returning non-zero stops it. md4c's return code.
// A text longer than the whole input also stops it (-1): the fuzzer saw Debian's md4c
// 0.4.8 hand over a 3 GB span after some earlier inputs, which no renderer should copy.
template <typename Renderer>
int parse(std::string_view markdown, Renderer& renderer) {
  struct Target {
    Renderer* renderer;
    MD_SIZE size;
  } target{&renderer, static_cast<MD_SIZE>(markdown.size())};
  MD_PARSER parser{};
  parser.flags = kParserFlags;
  parser.enter_block = [](MD_BLOCKTYPE t, void* d, void* self) {
    return static_cast<Target*>(self)->renderer->enter_block(t, d);
  };
  parser.leave_block = [](MD_BLOCKTYPE t, void* d, void* self) {
    return static_cast<Target*>(self)->renderer->leave_block(t, d);
  };
  parser.enter_span = [](MD_SPANTYPE t, void* d, void* self) {
    return static_cast<Target*>(self)->renderer->enter_span(t, d);
  };
  parser.leave_span = [](MD_SPANTYPE t, void* d, void* self) {
    return static_cast<Target*>(self)->renderer->leave_span(t, d);
  };
  parser.text = [](MD_TEXTTYPE t, const MD_CHAR* s, MD_SIZE n, void* self) {
    auto* state = static_cast<Target*>(self);
    if (n > state->size && n > 16) return -1;
    return state->renderer->text(t, std::string_view(s, n));
  };
  return md_parse(markdown.data(), target.size, &parser, &target);
}

// The index among the top-level blocks of the one that begins the second story
// (markdown.hpp, "Stories"), or nullopt when the body is one story. Parses the
// Markdown once more; the renderers note where they are when they enter that block.
std::optional<std::size_t> second_story_block(std::string_view markdown);

// Counts the top-level blocks as md4c enters them (the document itself is not one), so
// a renderer can tell when it enters the block second_story_block() named.
class TopLevelBlocks {
 public:
  // Call on every enter_block; true when `type` begins the top-level block `index`.
  bool enter(MD_BLOCKTYPE type, std::optional<std::size_t> index) {
    const bool top = depth_++ == 1;
    if (type == MD_BLOCK_DOC || !top) return false;
    return index && count_++ == *index;
  }
  void leave() { --depth_; }

 private:
  std::size_t depth_ = 0;  // 1 inside the document
  std::size_t count_ = 0;
};

// Columns `text` takes on a terminal: code points, counting East Asian wide ones twice
// and a reader field's marker as a typical name.
std::size_t display_width(std::string_view text);

}  // namespace broadsheet::markdown::detail
