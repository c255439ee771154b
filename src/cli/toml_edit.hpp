// Changing one string key of broadsheet.toml in place, as `broadsheet dkim keygen` does
// for dkim.keys: the key's line is rewritten and every other byte of the file (comments,
// order, line ends) is kept. Not a TOML writer: it handles the one-line `key = "..."`
// or `key = '...'` form that `init` writes and people type.
//
// Pure function, then one atomic file replacement; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace broadsheet::cli {

// `text` with `[section] key` set to `value`: its line replaced, or a line added under
// the section's header, or the section appended at the end. Errc::invalid_argument
// when the key's value spans lines (a multi-line string) or `value` holds a control
// character.
Result<std::string> set_toml_string(std::string_view text, std::string_view section,
                                    std::string_view key, std::string_view value);

// Replaces the file at `path` with `text`: written beside it, flushed, renamed over it,
// keeping its permission bits, owner and group. A symbolic link is followed: the file
// it names is replaced and the link stays.
Status replace_file(const std::string& path, std::string_view text);

}  // namespace broadsheet::cli
