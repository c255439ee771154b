#include "render/email_layout.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <optional>

#include "core/files.hpp"
#include "core/resources.hpp"
#include "core/types.hpp"

namespace broadsheet::render {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBuiltinHtml = "web/templates/email/issue.html.mustache";
constexpr std::string_view kBuiltinText = "web/templates/email/issue.txt.mustache";

// The file's content, nullopt when there is no such file.
Result<std::optional<std::string>> read_layout(const fs::path& path) {
  auto content = read_small_file(path.string(), kMaxLayout);
  if (!content && content.error().code == Errc::not_found) return std::optional<std::string>{};
  if (!content) return make_error(Errc::io, "email layout: " + content.error().message);
  if (!is_valid_utf8(*content)) {
    return make_error(Errc::invalid_argument,
                      fmt::format("email layout {} is not valid UTF-8", path.string()));
  }
  return std::optional<std::string>{std::move(*content)};
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
