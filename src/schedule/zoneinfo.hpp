// Access to the system tzdata files, for timezone.cpp and next_run.cpp. Internal to
// src/schedule: other subsystems ask is_known_timezone or canonical_timezone.
//
// Reads files only; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace broadsheet::schedule::detail {

inline constexpr std::string_view kZoneInfoDir = "/usr/share/zoneinfo";

// True when `name` is spelled like an IANA zone, [A-Za-z0-9_+-]+ separated by single
// slashes, and is not one of the files in the directory that are not zones (the
// posix/ and right/ copies, Factory, localtime, posixrules). Does not touch the disk.
bool is_zone_name(std::string_view name);

// The POSIX TZ rule in the footer of a zone's TZif file, e.g. "GMT0BST,M3.5.0/1,M10.5.0",
// which governs every instant after the file's last listed transition; nullopt when the
// file is missing, too old to have one, or malformed. REQUIRES: is_zone_name(name).
std::optional<std::string> read_posix_rule(std::string_view name);

}  // namespace broadsheet::schedule::detail
