#include "cli/toml_edit.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace broadsheet::cli {
namespace {

struct Line {
  std::string_view text;  // without its line end
  std::string_view end;   // "\n", "\r\n" or "" (the last line)
};

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  while (!text.empty()) {
    auto lf = text.find('\n');
    if (lf == std::string_view::npos) {
      lines.push_back({text, {}});
      break;
    }
    std::size_t body = lf > 0 && text[lf - 1] == '\r' ? lf - 1 : lf;
    lines.push_back({text.substr(0, body), text.substr(body, lf + 1 - body)});
    text.remove_prefix(lf + 1);
  }
  return lines;
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  s = trim_left(s);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The name of a `[table]` header line; "" for any other line.
std::string_view header_name(std::string_view line) {
  line = trim_left(line);
  if (!line.starts_with('[') || line.starts_with("[[")) return {};
  auto close = line.find(']');
  if (close == std::string_view::npos) return {};
  return trim(line.substr(1, close - 1));
}

// Where the value starts in a `key = value` line for `key`; npos for other lines.
std::size_t value_start(std::string_view line, std::string_view key) {
  std::string_view rest = trim_left(line);
  if (!rest.starts_with(key)) return std::string_view::npos;
  rest.remove_prefix(key.size());
  rest = trim_left(rest);
  if (!rest.starts_with('=')) return std::string_view::npos;
  rest.remove_prefix(1);
  rest = trim_left(rest);
  return line.size() - rest.size();
}

// What follows a one-line string value (a comment, say), kept as it is.
std::string_view after_value(std::string_view value) {
  if (value.starts_with('"')) {
    for (std::size_t i = 1; i < value.size(); ++i) {
      if (value[i] == '\\') {
        ++i;
      } else if (value[i] == '"') {
        return value.substr(i + 1);
      }
    }
  } else if (value.starts_with('\'')) {
    auto close = value.find('\'', 1);
    if (close != std::string_view::npos) return value.substr(close + 1);
  }
  return {};
}

}  // namespace

Result<std::string> set_toml_string(std::string_view text, std::string_view section,
                                    std::string_view key, std::string_view value) {
  std::string quoted = "\"";
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return make_error(Errc::invalid_argument, "the value holds a control character");
    }
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  const std::string assignment = fmt::format("{} = {}", key, quoted);

  std::vector<Line> lines = split_lines(text);
  std::string out;
  out.reserve(text.size() + assignment.size() + section.size() + 8);
  bool in_section = false, found_section = false, done = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const Line& line = lines[i];
    std::string_view name = header_name(line.text);
    if (!name.empty()) in_section = name == section;
    std::size_t at = in_section && !done ? value_start(line.text, key) : std::string_view::npos;
    if (at != std::string_view::npos) {
      std::string_view old = line.text.substr(at);
      if (old.starts_with("\"\"\"") || old.starts_with("'''")) {
        return make_error(
            Errc::invalid_argument,
            fmt::format("{}.{} is a multi-line string; edit it by hand", section, key));
      }
      out += line.text.substr(0, line.text.size() - trim_left(line.text).size());  // indent
      out += assignment;
      out += after_value(old);
      out += line.end;
      done = true;
      continue;
    }
    out += line.text;
    out += line.end;
    if (!name.empty() && name == section && !found_section) {
      found_section = true;
      // Keep a place right under the header in case the key is not in the table.
      if (!done) {
        bool later = false;
        for (std::size_t j = i + 1; j < lines.size() && header_name(lines[j].text).empty(); ++j) {
          if (value_start(lines[j].text, key) != std::string_view::npos) later = true;
        }
        if (!later) {
          if (line.end.empty()) out += '\n';
          out += assignment;
          out += line.end.empty() ? std::string_view("\n") : line.end;
          done = true;
        }
      }
    }
  }
  if (!done) {
    if (!out.empty() && !out.ends_with('\n')) out += '\n';
    out += fmt::format("\n[{}]\n{}\n", section, assignment);
  }
  return out;
}

Status replace_file(const std::string& link_or_path, std::string_view text) {
  // A packaged data folder's broadsheet.toml is a link to /etc/broadsheet/: renaming
  // over the link would leave /etc's file behind and the folder with a copy.
  std::error_code ec;
  std::string path = link_or_path;
  if (std::filesystem::is_symlink(link_or_path, ec)) {
    auto target = std::filesystem::canonical(link_or_path, ec);
    if (ec) {
      return make_error(Errc::io, fmt::format("cannot follow {}: {}", link_or_path, ec.message()));
    }
    path = target.string();
  }
  struct stat st {};
  const bool existed = ::stat(path.c_str(), &st) == 0;
  mode_t mode = existed ? (st.st_mode & 07777) : 0644;
  std::string temp = path + ".new";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(Errc::io, fmt::format("cannot create {}: {}", temp, std::strerror(errno)));
  }
  bool ok = true;
  for (std::size_t done = 0; ok && done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  // Its owner and group too (root:broadsheet 0640 in the package), when root edits it.
  if (ok && existed && (st.st_uid != ::geteuid() || st.st_gid != ::getegid())) {
    ok = ::fchown(fd, st.st_uid, st.st_gid) == 0;
  }
  ok = ok && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return make_error(Errc::io, fmt::format("cannot write {}: {}", path, std::strerror(err)));
  }
  return {};
}

}  // namespace broadsheet::cli
