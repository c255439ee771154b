#include "render/email_layout.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "core/resources.hpp"
#include "core/types.hpp"

namespace broadsheet::render {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBuiltinHtml = "web/templates/email/issue.html.mustache";
constexpr std::string_view kBuiltinText = "web/templates/email/issue.txt.mustache";

// The file's content, nullopt when there is no such file.
Result<std::optional<std::string>> read_layout(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::optional<std::string>{};
  auto fail = [&](std::string_view why) {
    return make_error(Errc::io, fmt::format("email layout {}: {}", path.string(), why));
  };
  if (!fs::is_regular_file(path, ec)) return fail("not a regular file");
  const auto size = fs::file_size(path, ec);
  if (ec) return fail(ec.message());
  if (size > kMaxLayout) return fail(fmt::format("larger than {} bytes", kMaxLayout));
  std::ifstream in(path, std::ios::binary);
  std::string content(size, '\0');
  in.read(content.data(), static_cast<std::streamsize>(size));
  if (!in || static_cast<std::uintmax_t>(in.gcount()) != size) return fail("cannot be read");
  if (!is_valid_utf8(content)) {
    return make_error(Errc::invalid_argument,
                      fmt::format("email layout {} is not valid UTF-8", path.string()));
  }
  return std::optional<std::string>{std::move(content)};
}

// The first of `candidates` that exists, else the built-in layout.
Status pick(const std::vector<fs::path>& candidates, std::string_view builtin, std::string& out,
            std::string& origin) {
  for (const fs::path& path : candidates) {
    auto content = read_layout(path);
    if (!content) return content.error();
    if (*content) {
      out = std::move(**content);
      origin = path.string();
      return {};
    }
  }
  out = std::string(resource(builtin).value_or(""));
  origin = "built-in";
  return {};
}

}  // namespace

EmailLayout builtin_email_layout() {
  return {std::string(resource(kBuiltinHtml).value_or("")),
          std::string(resource(kBuiltinText).value_or("")), "built-in", "built-in"};
}

Result<EmailLayout> load_email_layout(const std::string& data_dir, std::string_view slug) {
  const fs::path dir = fs::path(data_dir) / "templates" / "email";
  const std::string name(slug);
  EmailLayout layout;
  if (auto ok = pick({dir / (name + ".html.mustache"), dir / "issue.html.mustache"}, kBuiltinHtml,
                     layout.html, layout.html_origin);
      !ok) {
    return ok.error();
  }
  if (auto ok = pick({dir / (name + ".txt.mustache"), dir / "issue.txt.mustache"}, kBuiltinText,
                     layout.text, layout.text_origin);
      !ok) {
    return ok.error();
  }
  return layout;
}

}  // namespace broadsheet::render
