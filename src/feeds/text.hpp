// Text from a feed made safe to keep and show: what a site calls a summary is often
// HTML (escaped in RSS, typed in Atom), with entities, scripts and pictures in it.
// Broadsheet keeps plain text only, never markup, so nothing of a feed can reach a
// reader's mail or page as HTML.
// Pure functions (libxml2's HTML parser, no network, no files); safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace broadsheet::feeds {

// The text of an HTML fragment: tags dropped (and the contents of script, style and
// the like), entities decoded, runs of white space made one space, trimmed, then at
// most `max_bytes` cut at a character boundary ("…" follows). Invalid UTF-8 and
// control characters become U+FFFD.
std::string html_to_text(std::string_view html, std::size_t max_bytes);

// Plain text with runs of white space made one space, trimmed and bounded as above.
std::string clean_text(std::string_view text, std::size_t max_bytes);

// The src attribute of the first <img> of an HTML fragment, as written (maybe
// relative); "" when there is none.
std::string first_image(std::string_view html);

}  // namespace broadsheet::feeds
