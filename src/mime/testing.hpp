// Helpers for the MIME writer's tests: a fixed random source, a sample message, and
// small decoders (quoted-printable, encoded words) that read back what was written.
#pragma once

#include <openssl/evp.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "mime/mime.hpp"

namespace broadsheet::mime::testing {

// Bytes 0, 1, 2, ... so that Message-ID and boundary are known in advance.
inline Status counting_random(std::span<unsigned char> out) {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<unsigned char>(i);
  return {};
}

inline constexpr std::string_view kMessageId =
    "<000102030405060708090a0b0c0d0e0f@news.example.com>";
inline constexpr std::string_view kBoundary = "=_bs_101112131415161718191a1b";

inline OutgoingMessage sample_message() {
  OutgoingMessage m;
  m.from = {"The Morning Briefing", "briefing@news.example.com"};
  m.to = {"Ada Reader", "ada@example.org"};
  m.subject = "Please confirm your subscription";
  m.text_body = "Hello Ada,\n\nplease confirm: https://news.example.com/confirm/abc\n";
  m.message_id_domain = "news.example.com";
  m.date = 1732906800;  // Fri, 29 Nov 2024 19:00:00 +0000
  return m;
}

inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find("\r\n", start);
    if (end == std::string_view::npos) end = text.size();
    lines.emplace_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

// The header section of a message, up to and without the empty line.
inline std::string_view header_section(std::string_view message) {
  return message.substr(0, message.find("\r\n\r\n") + 2);
}

// The unfolded value of the first header called `name`, or "<missing>".
inline std::string header_value(std::string_view message, std::string_view name) {
  std::string prefix = std::string(name) + ": ";
  std::string_view head = header_section(message);
  std::size_t at = head.starts_with(prefix) ? 0 : head.find("\r\n" + prefix);
  if (at == std::string_view::npos) return "<missing>";
  if (at != 0) at += 2;
  std::string value;
  std::size_t pos = at + prefix.size();
  for (;;) {
    std::size_t end = head.find("\r\n", pos);
    value += head.substr(pos, end - pos);
    if (end + 2 >= head.size() || (head[end + 2] != ' ' && head[end + 2] != '\t')) break;
    pos = end + 2;  // unfolding removes only the CRLF
  }
  return value;
}

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decodes quoted-printable; hard breaks come back as CRLF.
inline std::string qp_decode(std::string_view qp) {
  std::string out;
  for (std::size_t i = 0; i < qp.size(); ++i) {
    if (qp[i] != '=') {
      out.push_back(qp[i]);
    } else if (qp.substr(i + 1, 2) == "\r\n") {
      i += 2;
    } else {
      out.push_back(static_cast<char>(hex_value(qp[i + 1]) * 16 + hex_value(qp[i + 2])));
      i += 2;
    }
  }
  return out;
}

inline std::string base64_decode(std::string_view b64) {
  std::string out(b64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  if (n < 0) return "<bad base64>";
  std::size_t pad = b64.ends_with("==") ? 2 : b64.ends_with("=") ? 1 : 0;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

// The text of one encoded word "=?UTF-8?Q?...?=" or "=?UTF-8?B?...?=".
inline std::string decode_word(std::string_view word) {
  if (!word.starts_with("=?UTF-8?") || !word.ends_with("?=") || word.size() < 12) {
    return "<not an encoded word>";
  }
  std::string_view payload = word.substr(10, word.size() - 12);
  if (word[8] == 'B') return base64_decode(payload);
  std::string q;
  for (char c : payload) q.push_back(c == '_' ? ' ' : c);
  return qp_decode(q);
}

// Splits an unfolded value at spaces into its words.
inline std::vector<std::string> words_of(std::string_view value) {
  std::vector<std::string> words;
  for (std::size_t start = 0;;) {
    std::size_t end = value.find(' ', start);
    words.emplace_back(value.substr(start, end - start));
    if (end == std::string_view::npos) return words;
    start = end + 1;
  }
}

// `s` as a JSON string, for the expectations the Python checkers read.
inline std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// Runs `command` with the shell: its exit status (-1 when it did not exit normally)
// and what it printed on stdout and stderr.
struct CommandResult {
  int status = -1;
  std::string output;
};
inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) result.output.append(buf, n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace broadsheet::mime::testing
