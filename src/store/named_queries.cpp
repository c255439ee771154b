#include "store/named_queries.hpp"

#include <fmt/format.h>

#include <unordered_set>

#include "core/text.hpp"

namespace broadsheet::store {
namespace {

constexpr std::string_view kMarker = "-- name:";


bool is_comment_or_blank(std::string_view line) {
  line = trim_whitespace(line);
  return line.empty() || line.substr(0, 2) == "--";
}

// Comment lines after a block's last SQL line introduce what follows (a section
// heading), so they are not kept as part of the query.
std::string_view drop_trailing_comments(std::string_view sql) {
  while (!sql.empty()) {
    std::string_view body = trim_whitespace(sql);
    std::size_t start = body.rfind('\n');
    std::string_view last = start == std::string_view::npos ? body : body.substr(start + 1);
    if (!is_comment_or_blank(last) || start == std::string_view::npos) return body;
    sql = body.substr(0, start);
  }
  return sql;
}

// A line that was surely meant as a marker ("--name: x", "  -- name: x"); taking it for
// a comment would silently glue two queries together.
bool is_near_marker(std::string_view line) {
  line = trim_whitespace(line);
  if (line.substr(0, 2) != "--") return false;
  return trim_whitespace(line.substr(2)).substr(0, 5) == "name:";
}

bool is_valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<NamedQueries> NamedQueries::parse(std::string_view text, std::string_view origin) {
  NamedQueries out;
  out.origin_ = std::string(origin);
  std::unordered_set<std::string> seen;
  bool has_sql = false;  // the open block holds something besides comments
  auto fail = [&](int line, std::string what) -> Error {
    return make_error(Errc::invalid_argument, fmt::format("{} line {}: {}", origin, line, what));
  };
  auto close_block = [&]() -> bool {
    if (out.queries_.empty()) return true;
    NamedQuery& q = out.queries_.back();
    q.sql = std::string(trim_whitespace(drop_trailing_comments(q.sql)));
    return has_sql;
  };

  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;

    if (line.substr(0, kMarker.size()) == kMarker) {
      if (!close_block()) {
        return fail(out.queries_.back().line,
                    fmt::format("query '{}' has no SQL", out.queries_.back().name));
      }
      std::string name(trim_whitespace(line.substr(kMarker.size())));
      if (name.empty()) return fail(line_no, "query name is empty");
      if (!is_valid_name(name)) {
        return fail(line_no, fmt::format("query name '{}' may hold only letters, digits and "
                                         "underscores",
                                         name));
      }
      if (!seen.insert(name).second) {
        return fail(line_no, fmt::format("duplicate query name '{}'", name));
      }
      out.queries_.push_back(NamedQuery{std::move(name), {}, line_no, out.origin_});
      has_sql = false;
      continue;
    }
    if (is_near_marker(line)) {
      return fail(line_no, fmt::format("a query marker must read '{} some_name' at the start "
                                       "of the line",
                                       kMarker));
    }
    if (out.queries_.empty()) {
      if (!is_comment_or_blank(line)) return fail(line_no, "SQL before the first '-- name:' line");
      continue;
    }
    if (!is_comment_or_blank(line)) has_sql = true;
    out.queries_.back().sql.append(line).push_back('\n');
  }
  if (!close_block()) {
    return fail(out.queries_.back().line,
                fmt::format("query '{}' has no SQL", out.queries_.back().name));
  }
  return out;
}

Result<NamedQueries> NamedQueries::parse_files(const std::vector<Resource>& files,
                                               std::string_view origin) {
  NamedQueries out;
  out.origin_ = std::string(origin);
  for (const Resource& file : files) {
    auto parsed = parse(file.content, file.path);
    if (!parsed) return parsed.error();
    for (NamedQuery& q : parsed->queries_) {
      if (const NamedQuery* before = out.find(q.name)) {
        return make_error(Errc::invalid_argument,
                          fmt::format("{} line {}: query name '{}' is taken by {} line {}",
                                      q.origin, q.line, q.name, before->origin, before->line));
      }
      out.queries_.push_back(std::move(q));
    }
  }
  return out;
}

const NamedQuery* NamedQueries::find(std::string_view name) const {
  for (const auto& q : queries_) {
    if (q.name == name) return &q;
  }
  return nullptr;
}

}  // namespace broadsheet::store
