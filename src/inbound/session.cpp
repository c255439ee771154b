#include "inbound/session.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

#include "core/text.hpp"

namespace broadsheet::inbound {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// "<path> params" after "MAIL FROM:" or "RCPT TO:": the path without its brackets, and
// the parameters. Nothing when it is not bracketed (RFC 5321 requires it).
struct PathArg {
  std::string path;
  std::string_view params;
};
std::optional<PathArg> path_arg(std::string_view rest) {
  rest = trim(rest);
  if (rest.empty() || rest.front() != '<') return std::nullopt;
  const auto close = rest.find('>');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view path = rest.substr(1, close - 1);
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '<' || c == 0x7f) return std::nullopt;
  }
  // A source route ("@a,@b:user@c", RFC 5321 Appendix C) is dropped.
  if (!path.empty() && path.front() == '@') {
    const auto colon = path.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    path.remove_prefix(colon + 1);
  }
  return PathArg{std::string(path), trim(rest.substr(close + 1))};
}

// SIZE=n among MAIL's parameters; nothing when absent or not a number.
std::optional<std::size_t> size_param(std::string_view params) {
  while (!params.empty()) {
    const auto space = params.find(' ');
    std::string_view p = params.substr(0, space);
    params = space == std::string_view::npos ? std::string_view{} : trim(params.substr(space));
    if (!ascii_istarts_with(p, "SIZE=")) continue;
    std::size_t n = 0;
    p.remove_prefix(5);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
    if (ec != std::errc{} || end != p.data() + p.size()) return std::nullopt;
    return n;
  }
  return std::nullopt;
}

std::string_view printable_prefix(std::string_view s, std::size_t max) {
  std::size_t n = 0;
  while (n < s.size() && n < max && static_cast<unsigned char>(s[n]) >= 0x20 &&
         static_cast<unsigned char>(s[n]) < 0x7f) {
    ++n;
  }
  return s.substr(0, n);
}

Step say(std::string reply, bool close = false) {
  Step s;
  s.reply = std::move(reply);
  s.close = close;
  return s;
}

}  // namespace

Session::Session(std::string host_name, Limits limits, Hooks hooks)
    : host_(std::move(host_name)), limits_(limits), hooks_(std::move(hooks)) {}

std::string Session::greeting() const {
  return fmt::format("220 {} Broadsheet LMTP/SMTP ready\r\n", host_);
}

std::string Session::shutting_down() { return "421 4.3.2 Service shutting down\r\n"; }
std::string Session::timed_out() { return "421 4.4.2 Timeout exceeded, closing\r\n"; }

void Session::reset() {
  envelope_ = Envelope{};
  too_big_ = false;
  data_bytes_ = 0;
  if (state_ != State::start) state_ = State::greeted;
}

Step Session::error(std::string reply) {
  if (++errors_ >= kMaxErrors) {
    return say("421 4.7.0 Too many errors, closing\r\n", true);
  }
  return say(std::move(reply));
}

Step Session::on_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (state_ == State::data) return data_line(line);
  if (state_ == State::delivering) return error("503 5.5.1 Error: delivery in progress\r\n");
  if (line.size() + 2 > kMaxCommandLine) return error("500 5.5.2 Line too long\r\n");
  return command(line);
}

Step Session::command(std::string_view line) {
  const auto space = line.find(' ');
  const std::string_view verb = line.substr(0, space);
  const std::string_view rest =
      space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);

  if (ascii_iequals(verb, "LHLO") || ascii_iequals(verb, "EHLO") || ascii_iequals(verb, "HELO")) {
    if (trim(rest).empty()) return error(fmt::format("501 5.5.4 Syntax: {} hostname\r\n", verb));
    lmtp_ = ascii_iequals(verb, "LHLO");
    state_ = State::greeted;
    reset();
    if (ascii_iequals(verb, "HELO")) return say(fmt::format("250 {}\r\n", host_));
    return say(
        fmt::format("250-{}\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n"
                    "250-8BITMIME\r\n250 SIZE {}\r\n",
                    host_, limits_.max_message_bytes));
  }
  if (ascii_iequals(verb, "QUIT")) return say("221 2.0.0 Bye\r\n", true);
  if (ascii_iequals(verb, "NOOP")) return say("250 2.0.0 OK\r\n");
  if (ascii_iequals(verb, "RSET")) {
    reset();
    return say("250 2.0.0 OK\r\n");
  }
  if (ascii_iequals(verb, "VRFY")) return say("252 2.5.2 Cannot VRFY user\r\n");
  if (state_ == State::start &&
      (ascii_istarts_with(line, "MAIL ") || ascii_istarts_with(line, "RCPT ") ||
       ascii_iequals(verb, "DATA"))) {
    return error("503 5.5.1 Error: send LHLO, EHLO or HELO first\r\n");
  }
  if (ascii_istarts_with(line, "MAIL FROM:")) {
    if (state_ != State::greeted) return error("503 5.5.1 Error: nested MAIL command\r\n");
    auto arg = path_arg(line.substr(10));
    if (!arg) return error("501 5.1.7 Bad sender address syntax\r\n");
    if (auto size = size_param(arg->params); size && *size > limits_.max_message_bytes) {
      return say("552 5.3.4 Message size exceeds fixed limit\r\n");
    }
    envelope_.mail_from = std::move(arg->path);
    state_ = State::mail;
    return say("250 2.1.0 OK\r\n");
  }
  if (ascii_istarts_with(line, "RCPT TO:")) {
    if (state_ != State::mail && state_ != State::rcpt) {
      return error("503 5.5.1 Error: need MAIL command\r\n");
    }
    auto arg = path_arg(line.substr(8));
    if (!arg || arg->path.empty()) return error("501 5.1.3 Bad recipient address syntax\r\n");
    if (envelope_.recipients.size() >= limits_.max_recipients) {
      return say("452 4.5.3 Error: too many recipients\r\n");
    }
    if (!hooks_.accepts || !hooks_.accepts(arg->path)) {
      return error(
          fmt::format("550 5.1.1 <{}>: Recipient address rejected: not a bounce or "
                      "unsubscribe address of this server\r\n",
                      printable_prefix(arg->path, 256)));
    }
    envelope_.recipients.push_back(std::move(arg->path));
    state_ = State::rcpt;
    return say("250 2.1.5 OK\r\n");
  }
  if (ascii_iequals(verb, "DATA")) {
    if (state_ != State::rcpt) {
      return error(state_ == State::mail ? "554 5.5.1 Error: no valid recipients\r\n"
                                         : "503 5.5.1 Error: need RCPT command\r\n");
    }
    state_ = State::data;
    return say("354 End data with <CR><LF>.<CR><LF>\r\n");
  }
  if (ascii_iequals(verb, "BDAT") || ascii_iequals(verb, "STARTTLS") ||
      ascii_iequals(verb, "AUTH")) {
    // Deliberately not offered: the publisher's own MTA relays to this listener over
    // loopback or a private network, in plain LMTP/SMTP, with DATA.
    return error("502 5.5.1 BDAT, STARTTLS and AUTH are not offered here\r\n");
  }
  return error("500 5.5.2 Error: command not recognized\r\n");
}

Step Session::data_line(std::string_view line) {
  if (line == ".") {
    if (too_big_) {
      std::string reply;
      const std::size_t n = lmtp_ ? envelope_.recipients.size() : 1;
      for (std::size_t i = 0; i < n; ++i) reply += "552 5.3.4 Message size exceeds fixed limit\r\n";
      reset();
      return say(std::move(reply));
    }
    Step step;
    step.deliver.emplace();  // the transaction stays open until delivered()
    step.deliver->mail_from = envelope_.mail_from;
    step.deliver->recipients = envelope_.recipients;
    step.deliver->message = std::move(envelope_.message);
    state_ = State::delivering;
    return step;
  }
  if (!line.empty() && line.front() == '.') line.remove_prefix(1);
  data_bytes_ += line.size() + 2;
  if (data_bytes_ > limits_.max_message_bytes) {
    too_big_ = true;
    envelope_.message.clear();
    envelope_.message.shrink_to_fit();
    return Step{};
  }
  envelope_.message.append(line);
  envelope_.message.append("\r\n");
  return Step{};
}

Step Session::delivered(const std::vector<Outcome>& outcomes) {
  static constexpr std::string_view kHandled = "250 2.0.0 OK, handled\r\n";
  static constexpr std::string_view kRetry =
      "451 4.3.0 Error: could not be stored, try again later\r\n";
  std::string reply;
  if (lmtp_) {
    for (std::size_t i = 0; i < envelope_.recipients.size(); ++i) {
      const bool ok = i < outcomes.size() && outcomes[i] == Outcome::handled;
      reply += ok ? kHandled : kRetry;
    }
  } else {
    bool all = outcomes.size() >= envelope_.recipients.size();
    for (auto o : outcomes) all = all && o == Outcome::handled;
    reply = all ? kHandled : kRetry;
  }
  reset();
  return say(std::move(reply));
}

}  // namespace broadsheet::inbound
