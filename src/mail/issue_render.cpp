#include "mail/issue_render.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>

#include "mail/issue_layout.hpp"
#include "mail/markdown.hpp"
#include "mail/markdown_detail.hpp"
#include "mail/mime_detail.hpp"

namespace broadsheet {
namespace {

using mime_detail::check_header_text;

constexpr std::size_t kMessageIdBytes = 16;
constexpr std::size_t kBoundaryBytes = 12;
constexpr std::size_t kMaxUrl = 900;  // stays on one 998-octet header line with its name

constexpr std::string_view kTextPart =
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
constexpr std::string_view kHtmlPart =
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n";

Error refuse(std::string_view what, std::string_view why) {
  return make_error(Errc::invalid_argument, fmt::format("{} {}", what, why));
}

// Splits an ASCII value at its spaces, the only places it may be folded; the MIME
// writer folds extra headers the same way.
std::vector<std::string> split_spaces(std::string_view value) {
  std::vector<std::string> tokens;
  for (std::size_t start = 0;;) {
    std::size_t end = std::min(value.find(' ', start), value.size());
    tokens.emplace_back(value.substr(start, end - start));
    if (end == value.size()) return tokens;
    start = end + 1;
  }
}

Status append_field(std::string& out, std::string_view name,
                    const std::vector<std::string>& tokens) {
  auto value = mime_detail::fold(name, tokens, name.size() + 2);
  if (!value) return value.error();
  out.append(name).append(": ").append(*value).append("\r\n");
  return {};
}

// Bytes that may stand in a URL written into a header: printable ASCII without
// quotes, backslash, backquote, angle brackets (which end the <URL> of List-Unsubscribe)
// and, for mailto, the comma that separates its entries.
constexpr std::array<bool, 256> kUrlBytes = [] {
  std::array<bool, 256> ok{};
  for (int c = 0x21; c < 0x7F; ++c) ok[c] = std::string_view("<>\"'\\`,").find(static_cast<char>(c)) == std::string_view::npos;
  return ok;
}();

bool url_bytes(std::string_view text, bool comma) {
  return std::all_of(text.begin(), text.end(), [comma](char c) {
    return kUrlBytes[static_cast<unsigned char>(c)] || (comma && c == ',');
  });
}

Status check_url(std::string_view what, std::string_view url) {
  if (auto ok = check_header_text(what, url); !ok) return ok;
  if (url.size() > kMaxUrl) return refuse(what, fmt::format("is longer than {} bytes", kMaxUrl));
  if (!url.starts_with("https://") && !url.starts_with("http://")) {
    return refuse(what, "must start with https:// or http://");
  }
  if (!url_bytes(url, true)) {
    return refuse(what, "contains a space, a quote, an angle bracket or a non-ASCII byte");
  }
  return {};
}

// "mailto:addr" from "addr" or "mailto:addr?subject=…".
Result<std::string> mailto_uri(std::string_view value) {
  constexpr std::string_view what = "the unsubscribe mailto";
  if (auto ok = check_header_text(what, value); !ok) return ok.error();
  std::string uri = value.starts_with("mailto:") ? std::string(value) : "mailto:" + std::string(value);
  if (uri.size() > kMaxUrl) return refuse(what, "is too long");
  if (uri.find('@') == std::string::npos) return refuse(what, "has no address");
  if (!url_bytes(uri, false)) {
    return refuse(what, "contains a space, a quote, a comma or an angle bracket");
  }
  return uri;
}

Status check_domain(std::string_view what, std::string_view domain) {
  bool ok = !domain.empty() && domain.size() <= 253 && domain.front() != '.' &&
            domain.back() != '.' && std::all_of(domain.begin(), domain.end(), [](unsigned char c) {
              return std::isalnum(c) || c == '-' || c == '.';
            });
  return ok ? Status{} : refuse(what, "must be a domain of letters, digits, hyphens and dots");
}

// Merge fields belong in the body; the subject and preheader are one for all.
Status refuse_fields(std::string_view what, std::string_view text) {
  for (std::size_t at = text.find("{{"); at != std::string_view::npos;
       at = text.find("{{", at + 1)) {
    if (auto field = markdown_detail::field_at(text, at)) {
      return refuse(what, fmt::format("cannot hold the merge field {}: it is the same for every "
                                      "reader",
                                      text.substr(at, field->length)));
    }
  }
  return {};
}

// `"Name" <slug.domain>`: a quoted string when the name is plain ASCII, else
// encoded words (RFC 2919 allows a phrase).
std::string list_id_value(std::string_view name, std::string_view id) {
  bool plain = name.find("=?") == std::string_view::npos;
  for (unsigned char c : name) plain = plain && c >= 0x20 && c < 0x7F;
  std::string value;
  if (name.empty()) {
  } else if (plain) {
    value = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') value += '\\';
      value += c;
    }
    value += "\" ";
  } else {
    for (const std::string& word : mime_detail::encoded_words(name, 9)) value += word + " ";
  }
  return value + "<" + std::string(id) + ">";
}

void append_hex(std::string& out, std::span<const unsigned char> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
}

}  // namespace

std::string format_issue_date(UnixSeconds local_time) {
  using namespace std::chrono;
  static constexpr const char* kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday"};
  static constexpr const char* kMonths[] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};
  const auto day = floor<days>(sys_seconds{seconds{std::clamp<UnixSeconds>(
      local_time, 0, 253402300799)}});
  const year_month_day date{day};
  return fmt::format("{}, {} {} {}", kDays[weekday{day}.c_encoding()],
                     static_cast<unsigned>(date.day()),
                     kMonths[static_cast<unsigned>(date.month()) - 1],
                     static_cast<int>(date.year()));
}

struct PreparedIssue::Values {
  std::string name, email, date;                  // as shown in the text body
  std::array<std::string, kReaderFieldCount> html;  // escaped for the HTML body
  const ReaderFields* reader = nullptr;
  std::string mailto;

  FieldValues text_values() const {
    return {name, email, date, reader->unsubscribe_url, reader->preferences_url};
  }
  FieldValues html_values() const { return {html[0], html[1], html[2], html[3], html[4]}; }
};

Status PreparedIssue::reader_values(const ReaderFields& reader, Values& out) const {
  if (auto ok = check_header_text("the reader's name", reader.name); !ok) return ok;
  if (auto ok = check_header_text("the reader's address", reader.email); !ok) return ok;
  if (reader.email.empty()) return refuse("the reader's address", "is empty");
  if (auto ok = check_header_text("the reader's displayed address", reader.email_display); !ok) {
    return ok;
  }
  if (auto ok = check_header_text("the issue date", reader.issue_date); !ok) return ok;
  if (auto ok = check_url("the unsubscribe URL", reader.unsubscribe_url); !ok) return ok;
  if (auto ok = check_url("the preferences URL", reader.preferences_url); !ok) return ok;
  out.reader = &reader;
  out.name = reader.name.empty() ? name_fallback_ : reader.name;
  out.email = reader.email_display.empty() ? reader.email : reader.email_display;
  out.date = reader.issue_date.empty() ? default_issue_date_ : reader.issue_date;
  out.html = {html_escaped(out.name), html_escaped(out.email), html_escaped(out.date),
              html_escaped(reader.unsubscribe_url), html_escaped(reader.preferences_url)};
  return {};
}

Result<std::string> PreparedIssue::html_for(const ReaderFields& reader) const {
  Values values;
  if (auto ok = reader_values(reader, values); !ok) return ok.error();
  std::string out;
  html_.append_plain(values.html_values(), out);
  return out;
}

Result<std::string> PreparedIssue::text_for(const ReaderFields& reader) const {
  Values values;
  if (auto ok = reader_values(reader, values); !ok) return ok.error();
  std::string out;
  text_.append_plain(values.text_values(), out);
  return out;
}

std::size_t PreparedIssue::size_hint() const {
  return 1024 + from_lines_.size() + subject_lines_.size() + list_lines_.size() +
         post_lines_.size() + html_.encoded_size_hint() + text_.encoded_size_hint();
}

Result<std::string> PreparedIssue::message_for(const ReaderFields& reader, UnixSeconds date,
                                               const RandomSource& random) const {
  std::string out;
  out.reserve(size_hint());
  if (auto ok = append_message(reader, date, random, out); !ok) return ok.error();
  return out;
}

Status PreparedIssue::append_message(const ReaderFields& reader, UnixSeconds date,
                                     const RandomSource& random, std::string& out) const {
  Values values;
  if (auto ok = reader_values(reader, values); !ok) return ok;
  std::vector<std::string> unsubscribe{"<" + reader.unsubscribe_url + ">"};
  if (!reader.unsubscribe_mailto.empty()) {
    auto mailto = mailto_uri(reader.unsubscribe_mailto);
    if (!mailto) return mailto.error();
    unsubscribe.front() += ',';
    unsubscribe.push_back("<" + *mailto + ">");
  }
  if (auto ok = check_header_text("the delivery header", reader.delivery_header); !ok) return ok;
  for (unsigned char c : reader.delivery_header) {
    if (c < 0x20 || c >= 0x7F) return refuse("the delivery header", "is not printable ASCII");
  }
  if (date < 0 || date > 253402300799) {
    return refuse("the date", "must lie between 1970 and 9999");
  }
  auto to = mime_detail::mailbox_tokens("To", Mailbox{reader.name, reader.email}, 4);
  if (!to) return to.error();
  std::array<unsigned char, kMessageIdBytes + kBoundaryBytes> bytes{};
  if (auto ok = random(bytes); !ok) return ok;
  const std::span<const unsigned char> all(bytes);

  const std::size_t start = out.size();
  out.reserve(start + size_hint());
  out.append("Date: ").append(rfc5322_date(date)).append("\r\n");
  out += from_lines_;
  Status ok = append_field(out, "To", *to);
  out += subject_lines_;
  out += "Message-ID: <";
  append_hex(out, all.first(kMessageIdBytes));
  out.append("@").append(message_id_domain_).append(">\r\n");
  out += list_lines_;
  if (ok) ok = append_field(out, "List-Unsubscribe", unsubscribe);
  out += post_lines_;
  if (ok && !reader.delivery_header.empty()) {
    ok = append_field(out, "X-Broadsheet-Delivery", split_spaces(reader.delivery_header));
  }
  if (!ok) {
    out.resize(start);
    return ok;
  }
  // "=_" never occurs in quoted-printable output, so no body can hold the boundary.
  std::string boundary = "=_bs_";
  append_hex(boundary, all.subspan(kMessageIdBytes));
  out.append("Content-Type: multipart/alternative; boundary=\"")
      .append(boundary)
      .append("\"\r\n\r\n--")
      .append(boundary)
      .append("\r\n")
      .append(kTextPart);
  text_.append_quoted_printable(values.text_values(), out);
  out.append("\r\n--").append(boundary).append("\r\n").append(kHtmlPart);
  html_.append_quoted_printable(values.html_values(), out);
  out.append("\r\n--").append(boundary).append("--\r\n");
  return {};
}

Result<PreparedIssue> PreparedIssue::prepare(const IssueRenderInput& in) {
  const Issue& issue = in.issue;
  const Newsletter& newsletter = in.newsletter;
  if (auto ok = validate_slug(newsletter.slug); !ok) return ok.error();
  if (issue.subject.empty()) return refuse("the subject", "is empty");
  if (issue.subject.size() > 998) return refuse("the subject", "is longer than 998 bytes");
  for (auto [what, value] : {std::pair{"the subject", &issue.subject},
                             std::pair{"the preheader", &issue.preheader},
                             std::pair{"the newsletter's name", &newsletter.name},
                             std::pair{"the newsletter's description", &newsletter.description},
                             std::pair{"the publication's name", &in.publication_name},
                             std::pair{"the postal address", &in.postal_address},
                             std::pair{"the name fallback", &in.name_fallback}}) {
    if (auto ok = check_header_text(what, *value); !ok) return ok.error();
  }
  if (auto ok = refuse_fields("the subject", issue.subject); !ok) return ok.error();
  if (auto ok = refuse_fields("the preheader", issue.preheader); !ok) return ok.error();

  PreparedIssue p;
  std::string base_url = in.base_url;
  while (base_url.ends_with('/')) base_url.pop_back();
  if (auto ok = check_url("the base URL", base_url); !ok) return ok.error();
  p.name_fallback_ = in.name_fallback;
  p.web_version_url_ = fmt::format("{}/archive/{}/{}", base_url, newsletter.slug, issue.id);

  AddressPolicy sender_policy;
  sender_policy.allow_special_use_domains = true;  // the publisher's own choice
  if (!newsletter.from_address.empty()) {
    auto address = parse_email(newsletter.from_address, sender_policy);
    if (!address) return refuse("the newsletter's From address", address.error().message);
    p.from_ = Mailbox{newsletter.from_name, address->normalized};
  } else {
    auto from = parse_mailbox(in.from, sender_policy);
    if (!from) return refuse("the From mailbox", from.error().message);
    p.from_ = *from;
  }
  p.message_id_domain_ = p.from_.address.substr(p.from_.address.rfind('@') + 1);
  const std::string list_domain = in.list_id_domain.empty() ? p.message_id_domain_ : in.list_id_domain;
  if (auto ok = check_domain("the List-Id domain", list_domain); !ok) return ok.error();
  const bool sender_ok = !in.feedback_id_sender.empty() && in.feedback_id_sender.size() <= 64 &&
                         std::all_of(in.feedback_id_sender.begin(), in.feedback_id_sender.end(),
                                     [](unsigned char c) {
                                       return std::isalnum(c) || c == '.' || c == '_' || c == '-';
                                     });
  if (!sender_ok) return refuse("the Feedback-ID sender", "must be 1 to 64 of [A-Za-z0-9._-]");

  // Headers that are the same for every reader.
  auto from_tokens = mime_detail::mailbox_tokens("From", p.from_, 6);
  if (!from_tokens) return from_tokens.error();
  if (auto ok = append_field(p.from_lines_, "From", *from_tokens); !ok) return ok.error();
  if (!in.reply_to.empty()) {
    auto reply_to = parse_mailbox(in.reply_to, sender_policy);
    if (!reply_to) return refuse("the Reply-To mailbox", reply_to.error().message);
    auto tokens = mime_detail::mailbox_tokens("Reply-To", *reply_to, 10);
    if (!tokens) return tokens.error();
    if (auto ok = append_field(p.subject_lines_, "Reply-To", *tokens); !ok) return ok.error();
  }
  if (auto ok = append_field(p.subject_lines_, "Subject",
                             mime_detail::unstructured_tokens(issue.subject, 9));
      !ok) {
    return ok.error();
  }
  p.list_lines_ = "MIME-Version: 1.0\r\n";
  const std::string list_id = list_id_value(newsletter.name, newsletter.slug + "." + list_domain);
  if (auto ok = append_field(p.list_lines_, "List-Id", split_spaces(list_id)); !ok) {
    return ok.error();
  }
  p.post_lines_ = fmt::format(
      "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nFeedback-ID: {}:{}:newsletter:{}\r\n",
      issue.id, newsletter.slug, in.feedback_id_sender);

  // The body: Markdown once, then the layouts around it.
  MarkdownOptions markdown;
  markdown.base_url = base_url;
  markdown.merge_field = [&](std::string_view name, bool html) -> std::optional<std::string> {
    if (auto field = reader_field_named(name)) return field_marker(*field);
    std::string_view value;
    if (name == "newsletter_name") {
      value = newsletter.name;
    } else if (name == "publication_name") {
      value = in.publication_name;
    } else if (name == "web_version_url") {
      value = p.web_version_url_;
    } else {
      return std::nullopt;
    }
    return html ? html_escaped(value) : std::string(value);
  };
  auto body_error = [](const Error& e) {
    return refuse("the issue's body:", e.message + " (merge fields: name, email, issue_date, "
                                                   "unsubscribe_url, preferences_url, "
                                                   "newsletter_name, publication_name, "
                                                   "web_version_url)");
  };
  auto body_html = markdown_to_email_html(issue.body_markdown, markdown);
  if (!body_html) return body_error(body_html.error());
  auto body_text = markdown_to_text(issue.body_markdown, markdown);
  if (!body_text) return body_error(body_text.error());

  const UnixSeconds web_date = in.web_date != 0 ? in.web_date
                               : issue.started_at ? *issue.started_at
                               : issue.scheduled_at ? *issue.scheduled_at
                                                    : issue.created_at;
  p.default_issue_date_ = format_issue_date(web_date);
  std::vector<std::pair<std::string, std::string>> fixed = {
      {"publication_name", in.publication_name},
      {"newsletter_name", newsletter.name},
      {"newsletter_description", newsletter.description},
      {"newsletter_slug", newsletter.slug},
      {"subject", issue.subject},
      {"preheader", issue.preheader},
      {"postal_address", in.postal_address},
      {"base_url", base_url},
      {"web_version_url", p.web_version_url_},
      {"subscribe_url", base_url + "/newsletters"},
      {"body", *body_html}};
  const std::string html_what = "the HTML layout (" + in.layout.html_origin + ")";
  auto html = issue_detail::render_layout(html_what, in.layout.html, true, fixed, false);
  if (!html) return html.error();
  auto web = issue_detail::render_layout(html_what, in.layout.html, true, fixed, true);
  if (!web) return web.error();
  fixed.back().second = *body_text;
  auto text = issue_detail::render_layout("the text layout (" + in.layout.text_origin + ")",
                                          in.layout.text, false, fixed, false);
  if (!text) return text.error();
  if (!is_valid_utf8(*html) || !is_valid_utf8(*text)) {
    return refuse("the rendered issue", "is not valid UTF-8");
  }
  p.html_ = MergeText::compile(*html);
  p.text_ = MergeText::compile(*text);

  // The web version: no reader, so neutral values, and links to the catalogue.
  const std::string catalogue = html_escaped(base_url + "/newsletters");
  const std::string fallback = html_escaped(in.name_fallback);
  const std::string date = html_escaped(p.default_issue_date_);
  MergeText::compile(*web).append_plain({fallback, "", date, catalogue, catalogue}, p.web_html_);
  return p;
}

}  // namespace broadsheet
