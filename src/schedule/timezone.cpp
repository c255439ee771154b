// Which time zone names Broadsheet accepts: "UTC", or a TZif file under the system
// tzdata directory reached by a name that cannot leave it.
//
// Trusts the tzdata package for the files' contents; trusts nothing about the names,
// which come from editors and readers' browsers. A name is checked for its spelling
// before it is joined to a path, so "../" and absolute paths never reach the disk.
// Failures are answers (false, nullopt), never errors: an unreadable tzdata directory
// means no zone but UTC is known.
#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <unordered_map>

#include "core/files.hpp"
#include "core/text.hpp"
#include "schedule/schedule.hpp"
#include "schedule/zoneinfo.hpp"

namespace broadsheet::schedule {
namespace detail {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxZoneName = 128;     // the longest IANA name is about 30
constexpr std::uintmax_t kMaxTzif = 1 << 20;  // real files are a few kilobytes

// Files in the tzdata directory that are spelled like zones but are not IANA names.
constexpr std::array<std::string_view, 3> kNotZones{"Factory", "localtime", "posixrules"};

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '+' || c == '-';
}

fs::path zone_path(std::string_view name) { return fs::path(kZoneInfoDir) / std::string(name); }

bool is_tzif_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  std::array<char, 4> magic{};
  in.read(magic.data(), magic.size());
  return in.gcount() == 4 && std::string_view(magic.data(), 4) == "TZif";
}

// The entry of `dir` whose name equals `part` ignoring case, preferring an exact match
// and otherwise the first in byte order, so the answer never depends on readdir order.
std::optional<std::string> find_entry(const fs::path& dir, std::string_view part) {
  std::error_code ec;
  if (fs::exists(dir / std::string(part), ec)) return std::string(part);
  std::optional<std::string> best;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string entry = it->path().filename().string();
    if (ascii_iequals(entry, part) && (!best || entry < *best)) best = entry;
  }
  return best;
}

}  // namespace

bool is_zone_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxZoneName) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = std::min(name.find('/', start), name.size());
    std::string_view part = name.substr(start, slash - start);
    if (part.empty() || !std::all_of(part.begin(), part.end(), is_name_char)) return false;
    if (start == 0 && (part == "posix" || part == "right")) return false;
    if (slash == name.size()) break;
    start = slash + 1;
  }
  return std::find(kNotZones.begin(), kNotZones.end(), name) == kNotZones.end();
}

std::optional<std::string> read_posix_rule(std::string_view name) {
  auto data = read_small_file(zone_path(name).string(), kMaxTzif);
  // Version 2 and later files end "\n<rule>\n"; version 1 files have no rule.
  if (!data || data->size() < 6 || !data->starts_with("TZif") || (*data)[4] < '2' ||
      data->back() != '\n') {
    return std::nullopt;
  }
  std::size_t open = data->rfind('\n', data->size() - 2);
  if (open == std::string::npos) return std::nullopt;
  std::string rule = data->substr(open + 1, data->size() - open - 2);
  if (rule.empty()) return std::nullopt;
  return rule;
}

}  // namespace detail

bool is_known_timezone(std::string_view name) {
  if (name == "UTC") return true;
  if (!detail::is_zone_name(name)) return false;
  // Imports and sign-ups ask about the same few hundred zones again and again; asking
  // the file system each time made an import of a million rows spend half its time in
  // the kernel. Answers are cached, and the cache is bounded because names come from
  // the outside.
  constexpr std::size_t kMaxCached = 4096;
  static std::mutex mu;
  static std::unordered_map<std::string, bool> cache;
  {
    std::lock_guard lock(mu);
    if (auto it = cache.find(std::string(name)); it != cache.end()) return it->second;
  }
  bool known = detail::is_tzif_file(detail::zone_path(name));
  std::lock_guard lock(mu);
  if (cache.size() < kMaxCached) cache.emplace(std::string(name), known);
  return known;
}

std::optional<std::string> canonical_timezone(std::string_view name) {
  using namespace detail;
  if (ascii_iequals(name, "UTC")) return "UTC";
  if (!is_zone_name(name)) return std::nullopt;
  if (is_known_timezone(name)) return std::string(name);
  // Walk the tree one part at a time, matching each part without regard to case.
  fs::path dir(kZoneInfoDir);
  std::string canonical;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t slash = std::min(name.find('/', start), name.size());
    auto entry = find_entry(dir, name.substr(start, slash - start));
    if (!entry) return std::nullopt;
    canonical += (canonical.empty() ? "" : "/") + *entry;
    dir /= *entry;
    start = slash + 1;
  }
  if (!is_zone_name(canonical) || !is_known_timezone(canonical)) return std::nullopt;
  return canonical;
}

const std::vector<std::string>& selectable_timezones() {
  static const std::vector<std::string> zones = [] {
    std::vector<std::string> out{"UTC"};
    // Lines of zone.tab: country code, coordinates, zone name, optional comment, by tabs;
    // '#' starts a comment line. The file is a few kilobytes; a line is bounded anyway.
    std::ifstream in(std::string(detail::kZoneInfoDir) + "/zone.tab");
    std::string line;
    while (out.size() < 2000 && std::getline(in, line)) {
      if (line.empty() || line.front() == '#' || line.size() > 512) continue;
      const std::size_t first = line.find('\t');
      const std::size_t second = first == std::string::npos ? first : line.find('\t', first + 1);
      if (second == std::string::npos) continue;
      const std::size_t end = line.find('\t', second + 1);
      std::string name = line.substr(second + 1, end == std::string::npos ? end : end - second - 1);
      if (is_known_timezone(name)) out.push_back(std::move(name));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }();
  return zones;
}

}  // namespace broadsheet::schedule
