#include "core/types.hpp"

#include <fmt/format.h>

namespace broadsheet {

std::string_view to_string(SubscriberStatus s) {
  return s == SubscriberStatus::active ? "active" : "blocked";
}

std::string_view to_string(SubscriptionStatus s) {
  switch (s) {
    case SubscriptionStatus::unconfirmed: return "unconfirmed";
    case SubscriptionStatus::confirmed: return "confirmed";
    case SubscriptionStatus::unsubscribed: return "unsubscribed";
  }
  return "unconfirmed";
}

std::string_view to_string(OptIn o) { return o == OptIn::double_opt_in ? "double" : "single"; }

std::string_view to_string(OnCutoff c) { return c == OnCutoff::send ? "send" : "hold"; }

std::optional<OnCutoff> on_cutoff_from(std::string_view s) {
  if (s == "hold") return OnCutoff::hold;
  if (s == "send") return OnCutoff::send;
  return std::nullopt;
}

std::string join_sections(const std::vector<std::string>& sections) {
  std::string out;
  for (const auto& name : sections) {
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

std::vector<std::string> split_sections(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view name = text.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (!name.empty()) out.emplace_back(name);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<SubscriberStatus> subscriber_status_from(std::string_view s) {
  if (s == "active") return SubscriberStatus::active;
  if (s == "blocked") return SubscriberStatus::blocked;
  return std::nullopt;
}

std::optional<SubscriptionStatus> subscription_status_from(std::string_view s) {
  if (s == "unconfirmed") return SubscriptionStatus::unconfirmed;
  if (s == "confirmed") return SubscriptionStatus::confirmed;
  if (s == "unsubscribed") return SubscriptionStatus::unsubscribed;
  return std::nullopt;
}

std::optional<OptIn> opt_in_from(std::string_view s) {
  if (s == "double") return OptIn::double_opt_in;
  if (s == "single") return OptIn::single_opt_in;
  return std::nullopt;
}

Status validate_slug(std::string_view slug) {
  if (slug.empty() || slug.size() > 64) {
    return make_error(Errc::invalid_argument, "slug must be 1 to 64 characters");
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(slug.front()) || !alnum(slug.back())) {
    return make_error(Errc::invalid_argument,
                      "slug must start and end with a lowercase letter or digit");
  }
  for (std::size_t i = 0; i < slug.size(); ++i) {
    char c = slug[i];
    if (c == '-') {
      if (slug[i - 1] == '-') {
        return make_error(Errc::invalid_argument, "slug must not contain '--'");
      }
    } else if (!alnum(c)) {
      return make_error(Errc::invalid_argument,
                        "slug may contain only lowercase letters, digits and hyphens");
    }
  }
  return {};
}

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += extra + 1;
  }
  return true;
}

bool has_control_chars(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

bool has_unprintable_chars(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return true;
    // C1 controls U+0080..U+009F are C2 80..C2 9F; U+2028 and U+2029 (line and
    // paragraph separators) are E2 80 A8 and E2 80 A9.
    const auto next = [&](std::size_t k) {
      return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
    };
    if (c == 0xC2 && next(1) >= 0x80 && next(1) <= 0x9F) return true;
    if (c == 0xE2 && next(1) == 0x80 && (next(2) == 0xA8 || next(2) == 0xA9)) return true;
    // U+202A..U+202E are E2 80 AA..AE; U+2066..U+2069 are E2 81 A6..A9.
    if (c == 0xE2 && next(1) == 0x80 && next(2) >= 0xAA && next(2) <= 0xAE) return true;
    if (c == 0xE2 && next(1) == 0x81 && next(2) >= 0xA6 && next(2) <= 0xA9) return true;
  }
  return false;
}

std::string_view to_string(IssueStatus s) {
  switch (s) {
    case IssueStatus::draft: return "draft";
    case IssueStatus::scheduled: return "scheduled";
    case IssueStatus::sending: return "sending";
    case IssueStatus::paused: return "paused";
    case IssueStatus::sent: return "sent";
    case IssueStatus::cancelled: return "cancelled";
  }
  return "draft";
}

std::optional<IssueStatus> issue_status_from(std::string_view s) {
  for (auto v : {IssueStatus::draft, IssueStatus::scheduled, IssueStatus::sending,
                 IssueStatus::paused, IssueStatus::sent, IssueStatus::cancelled}) {
    if (to_string(v) == s) return v;
  }
  return std::nullopt;
}

std::string_view to_string(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::queued: return "queued";
    case DeliveryStatus::sent: return "sent";
    case DeliveryStatus::deferred: return "deferred";
    case DeliveryStatus::failed: return "failed";
  }
  return "queued";
}

std::string_view to_string(UserRole r) {
  switch (r) {
    case UserRole::admin: return "admin";
    case UserRole::editor: return "editor";
    case UserRole::audience: return "audience";
    case UserRole::viewer: return "viewer";
  }
  return "viewer";
}

std::optional<UserRole> user_role_from(std::string_view name) {
  if (name == "admin") return UserRole::admin;
  if (name == "editor") return UserRole::editor;
  if (name == "audience") return UserRole::audience;
  if (name == "viewer") return UserRole::viewer;
  return std::nullopt;
}

Status check_text(std::string_view what, std::string_view value, std::size_t max) {
  if (!is_valid_utf8(value)) {
    return make_error(Errc::invalid_argument, fmt::format("{} is not valid UTF-8", what));
  }
  if (has_unprintable_chars(value)) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} must be one line without control characters", what));
  }
  if (value.size() > max) {
    return make_error(Errc::invalid_argument, fmt::format("{} is longer than {} bytes", what, max));
  }
  return {};
}

Status check_document(std::string_view what, std::string_view text, std::size_t max) {
  if (text.size() > max) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} is longer than {} KiB", what, max / 1024));
  }
  if (!is_valid_utf8(text)) {
    return make_error(Errc::invalid_argument, fmt::format("{} is not valid UTF-8", what));
  }
  if (text.find('\0') != std::string_view::npos) {
    return make_error(Errc::invalid_argument, fmt::format("{} holds a NUL byte", what));
  }
  return {};
}

}  // namespace broadsheet
