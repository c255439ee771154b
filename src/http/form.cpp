#include "http/form.hpp"

#include "core/types.hpp"

namespace broadsheet::http {

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

Result<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) {
        return make_error(Errc::invalid_argument, "a % escape is cut short");
      }
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return make_error(Errc::invalid_argument, "a % escape is not hexadecimal");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (!is_valid_utf8(out)) return make_error(Errc::invalid_argument, "the text is not valid UTF-8");
  return out;
}

Result<FormFields> parse_form(std::string_view body, std::size_t max_fields) {
  FormFields fields;
  while (!body.empty()) {
    auto amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    if (pair.empty()) continue;
    if (fields.size() == max_fields) return make_error(Errc::invalid_argument, "too many form fields");
    auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    if (!name) return name.error();
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!value) return value.error();
    fields.emplace_back(std::move(*name), std::move(*value));
  }
  return fields;
}

std::string form_value(const FormFields& fields, std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (k == name) return v;
  }
  return {};
}

std::vector<std::string> form_values(const FormFields& fields, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : fields) {
    if (k == name) out.push_back(v);
  }
  return out;
}

}  // namespace broadsheet::http
