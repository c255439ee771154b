#include "smtp/reply.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cstring>

namespace broadsheet::smtp {
namespace {

constexpr std::size_t kMaxOneLine = 512;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Control characters become '?', so a reply cannot break a log line.
std::string printable(std::string text, std::size_t max) {
  for (auto& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (text.size() > max) text.resize(max);
  return text;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string Reply::one_line() const {
  std::string out = std::to_string(code);
  for (const auto& line : lines) {
    if (line.empty()) continue;
    out += out.size() == 3 ? " " : ", ";
    out += line;
  }
  return printable(std::move(out), kMaxOneLine);
}

std::optional<Result<Reply>> ReplyParser::next() {
  for (;;) {
    const char* begin = pending_.data() + pos_;
    const std::size_t avail = pending_.size() - pos_;
    const void* lf = std::memchr(begin, '\n', avail);
    if (lf == nullptr) {
      if (avail > kMaxReplyLine) {
        return Result<Reply>(make_error(Errc::io, "reply line longer than 2048 bytes"));
      }
      if (pos_ > 0 && pos_ == pending_.size()) {
        pending_.clear();
        pos_ = 0;
      }
      return std::nullopt;
    }
    std::size_t len = static_cast<const char*>(lf) - begin;
    pos_ += len + 1;
    if (len > kMaxReplyLine) {
      return Result<Reply>(make_error(Errc::io, "reply line longer than 2048 bytes"));
    }
    if (len > 0 && begin[len - 1] == '\r') --len;
    std::string_view line(begin, len);

    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) ||
        (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
      return Result<Reply>(make_error(
          Errc::io, fmt::format("malformed reply line \"{}\"", printable(std::string(line), 80))));
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (code < 200 || code > 599) {
      return Result<Reply>(make_error(Errc::io, fmt::format("reply code {} out of range", code)));
    }
    if (!partial_.lines.empty() && partial_.code != code) {
      return Result<Reply>(make_error(
          Errc::io,
          fmt::format("reply code changed from {} to {} within one reply", partial_.code, code)));
    }
    if (partial_.lines.size() >= kMaxReplyLines) {
      return Result<Reply>(make_error(Errc::io, "reply longer than 200 lines"));
    }
    partial_.code = code;
    partial_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
    const bool last = line.size() == 3 || line[3] == ' ';
    if (pos_ == pending_.size()) {
      pending_.clear();
      pos_ = 0;
    } else if (pos_ > 65536) {
      pending_.erase(0, pos_);
      pos_ = 0;
    }
    if (last) {
      Reply done = std::move(partial_);
      partial_ = Reply{};
      return Result<Reply>(std::move(done));
    }
  }
}

void ReplyParser::clear() {
  pending_.clear();
  pos_ = 0;
  partial_ = Reply{};
}

Extensions parse_extensions(const Reply& ehlo) {
  Extensions ext;
  // The first line is the relay's name and greeting; keywords follow, one per line.
  for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
    std::string_view line = ehlo.lines[i];
    const auto space = line.find_first_of(" =");
    const std::string keyword = upper(line.substr(0, space));
    std::string_view args = space == std::string_view::npos ? "" : line.substr(space + 1);
    if (keyword == "PIPELINING") {
      ext.pipelining = true;
    } else if (keyword == "STARTTLS") {
      ext.starttls = true;
    } else if (keyword == "8BITMIME") {
      ext.eight_bit_mime = true;
    } else if (keyword == "SMTPUTF8") {
      ext.smtputf8 = true;
    } else if (keyword == "SIZE") {
      ext.size = true;
      std::uint64_t n = 0;
      auto [p, ec] = std::from_chars(args.data(), args.data() + args.size(), n);
      if (ec == std::errc() && p == args.data() + args.size()) ext.max_size = n;
    } else if (keyword == "AUTH") {
      const std::string mechanisms = " " + upper(args) + " ";
      if (mechanisms.find(" PLAIN ") != std::string::npos) ext.auth_plain = true;
      if (mechanisms.find(" LOGIN ") != std::string::npos) ext.auth_login = true;
    }
  }
  return ext;
}

transport::DeliveryResult classify(const Reply& reply, std::string_view command) {
  transport::DeliveryResult result;
  if (reply.code >= 200 && reply.code < 300) {
    result.kind = transport::DeliveryResult::Kind::delivered;
  } else if (reply.code >= 500 && reply.code < 600) {
    result.kind = transport::DeliveryResult::Kind::failed;
  } else {
    result.kind = transport::DeliveryResult::Kind::deferred;
  }
  result.code = reply.code;
  result.reply = fmt::format("{} (in reply to {})", reply.one_line(), command);
  return result;
}

}  // namespace broadsheet::smtp
