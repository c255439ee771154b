#include "render/issue_render.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>

#include "core/encoding.hpp"
#include "core/text.hpp"
#include "markdown/fields.hpp"
#include "markdown/markdown.hpp"
#include "mime/header.hpp"
#include "render/body_fields.hpp"
#include "render/issue_headers.hpp"
#include "render/issue_layout.hpp"

namespace broadsheet::render {
namespace {

using detail::append_field;
using detail::check_domain;
using detail::check_url;
using detail::list_id_value;
using detail::mailto_uri;
using detail::refuse;
using detail::refuse_fields;
using mime::check_header_text;
using mime::split_spaces;

constexpr std::size_t kMessageIdBytes = 16;
constexpr std::size_t kBoundaryBytes = 12;

// The rule above and below a sponsor block in the text part, 72 columns.
constexpr std::string_view kTextSponsorRule =
    "----------------------------- Advertisement ----------------------------";

constexpr std::string_view kTextPart =
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
constexpr std::string_view kHtmlPart =
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\n";

// The sponsor block in the built-in look, for a layout that does not place it itself
// (it has no {{#sponsor}} section): labelled, and set apart from the stories.
std::string builtin_sponsor_html(std::string_view sponsor_html) {
  return fmt::format(
      "<div class=\"bs-sponsor\" style=\"margin:8px 0 24px;padding:14px 16px 0;"
      "border:1px solid #d9d4c7;background-color:#f8f6f1;\">\n"
      "<p class=\"bs-sponsor-label\" style=\"margin:0 0 8px;font-family:Arial,Helvetica,"
      "sans-serif;font-size:11px;line-height:1.4;letter-spacing:1px;text-transform:uppercase;"
      "color:#5f5a50;\">Advertisement</p>\n{}</div>\n",
      sponsor_html);
}

// The same in the text part: between rules, after a blank line (the second story
// brings its own).
std::string builtin_sponsor_text(std::string_view sponsor_text) {
  return fmt::format("\n{}\n{}{}\n", kTextSponsorRule, sponsor_text,
                     std::string(kTextSponsorRule.size(), '-'));
}

}  // namespace

std::string format_issue_date(UnixSeconds local_time) {
  using namespace std::chrono;
  static constexpr const char* kDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday"};
  static constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
  const auto day =
      floor<days>(sys_seconds{seconds{std::clamp<UnixSeconds>(local_time, 0, 253402300799)}});
  const year_month_day date{day};
  return fmt::format(
      "{}, {} {} {}", kDays[weekday{day}.c_encoding()], static_cast<unsigned>(date.day()),
      kMonths[static_cast<unsigned>(date.month()) - 1], static_cast<int>(date.year()));
}

struct PreparedIssue::Values {
  std::string name, email, date;                    // as shown in the text body
  std::array<std::string, kReaderFieldCount> html;  // escaped for the HTML body
  const ReaderFields* reader = nullptr;

  FieldValues text_values() const {
    return {name, email, date, reader->unsubscribe_url, reader->preferences_url};
  }
  FieldValues html_values() const { return {html[0], html[1], html[2], html[3], html[4]}; }
};

Status PreparedIssue::reader_values(const ReaderFields& reader, Values& out) const {
  if (auto ok = mime::check_header_text("the reader's name", reader.name); !ok) return ok;
  if (auto ok = mime::check_header_text("the reader's address", reader.email); !ok) return ok;
  if (reader.email.empty()) return refuse("the reader's address", "is empty");
  if (auto ok = mime::check_header_text("the reader's displayed address", reader.email_display);
      !ok) {
    return ok;
  }
  if (auto ok = mime::check_header_text("the issue date", reader.issue_date); !ok) return ok;
  if (auto ok = check_url("the unsubscribe URL", reader.unsubscribe_url); !ok) return ok;
  if (auto ok = check_url("the preferences URL", reader.preferences_url); !ok) return ok;
  out.reader = &reader;
  // Defaults of the body ({{name | default: "…"}}) stand in for empty values.
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
                                               const mime::RandomSource& random) const {
  std::string out;
  out.reserve(size_hint());
  if (auto ok = append_message(reader, date, random, out); !ok) return ok.error();
  return out;
}

Status PreparedIssue::append_message(const ReaderFields& reader, UnixSeconds date,
                                     const mime::RandomSource& random, std::string& out) const {
  Values values;
  if (auto ok = reader_values(reader, values); !ok) return ok;
  std::vector<std::string> unsubscribe{"<" + reader.unsubscribe_url + ">"};
  if (!reader.unsubscribe_mailto.empty()) {
    auto mailto = mailto_uri(reader.unsubscribe_mailto);
    if (!mailto) return mailto.error();
    unsubscribe.front() += ',';
    unsubscribe.push_back("<" + *mailto + ">");
  }
  if (auto ok = mime::check_header_text("the delivery header", reader.delivery_header); !ok)
    return ok;
  for (unsigned char c : reader.delivery_header) {
    if (c < 0x20 || c >= 0x7F) return refuse("the delivery header", "is not printable ASCII");
  }
  if (date < 0 || date > 253402300799) {
    return refuse("the date", "must lie between 1970 and 9999");
  }
  auto to = mime::mailbox_tokens("To", address::Mailbox{reader.name, reader.email}, 4);
  if (!to) return to.error();
  std::array<unsigned char, kMessageIdBytes + kBoundaryBytes> bytes{};
  if (auto ok = random(bytes); !ok) return ok;
  const std::span<const unsigned char> all(bytes);

  const std::size_t start = out.size();
  out.reserve(start + size_hint());
  out.append("Date: ").append(mime::rfc5322_date(date)).append("\r\n");
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
  for (auto [what, value] :
       {std::pair{"the subject", &issue.subject}, std::pair{"the preheader", &issue.preheader},
        std::pair{"the newsletter's name", &newsletter.name},
        std::pair{"the newsletter's description", &newsletter.description},
        std::pair{"the publication's name", &in.publication_name},
        std::pair{"the postal address", &in.postal_address},
        std::pair{"the name fallback", &in.name_fallback}}) {
    if (auto ok = mime::check_header_text(what, *value); !ok) return ok.error();
  }
  if (auto ok = refuse_fields("the subject", issue.subject); !ok) return ok.error();
  if (auto ok = refuse_fields("the preheader", issue.preheader); !ok) return ok.error();

  PreparedIssue p;
  std::string base_url = in.base_url;
  while (base_url.ends_with('/')) base_url.pop_back();
  if (auto ok = check_url("the base URL", base_url); !ok) return ok.error();
  p.name_fallback_ = in.name_fallback;
  p.web_version_url_ = fmt::format("{}/archive/{}/{}", base_url, newsletter.slug, issue.id);
  if (auto ok = p.prepare_headers(in); !ok) return ok.error();
  if (auto ok = p.prepare_bodies(in, base_url); !ok) return ok.error();
  return p;
}

Status PreparedIssue::prepare_headers(const IssueRenderInput& in) {
  const Newsletter& newsletter = in.newsletter;
  address::AddressPolicy sender_policy;
  sender_policy.allow_special_use_domains = true;  // the publisher's own choice
  if (!newsletter.from_address.empty()) {
    auto address = address::parse_email(newsletter.from_address, sender_policy);
    if (!address) return refuse("the newsletter's From address", address.error().message);
    from_ = address::Mailbox{newsletter.from_name, address->normalized};
  } else {
    auto from = address::parse_mailbox(in.from, sender_policy);
    if (!from) return refuse("the From mailbox", from.error().message);
    from_ = *from;
  }
  message_id_domain_ = from_.address.substr(from_.address.rfind('@') + 1);
  const std::string list_domain =
      in.list_id_domain.empty() ? message_id_domain_ : in.list_id_domain;
  if (auto ok = check_domain("the List-Id domain", list_domain); !ok) return ok.error();
  const bool sender_ok =
      !in.feedback_id_sender.empty() && in.feedback_id_sender.size() <= 64 &&
      std::all_of(in.feedback_id_sender.begin(), in.feedback_id_sender.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '_' || c == '-';
      });
  if (!sender_ok) return refuse("the Feedback-ID sender", "must be 1 to 64 of [A-Za-z0-9._-]");

  // Headers that are the same for every reader.
  auto from_tokens = mime::mailbox_tokens("From", from_, 6);
  if (!from_tokens) return from_tokens.error();
  if (auto ok = append_field(from_lines_, "From", *from_tokens); !ok) return ok.error();
  if (!in.reply_to.empty()) {
    auto reply_to = address::parse_mailbox(in.reply_to, sender_policy);
    if (!reply_to) return refuse("the Reply-To mailbox", reply_to.error().message);
    auto tokens = mime::mailbox_tokens("Reply-To", *reply_to, 10);
    if (!tokens) return tokens.error();
    if (auto ok = append_field(subject_lines_, "Reply-To", *tokens); !ok) return ok.error();
  }
  if (auto ok =
          append_field(subject_lines_, "Subject", mime::unstructured_tokens(in.issue.subject, 9));
      !ok) {
    return ok.error();
  }
  list_lines_ = "MIME-Version: 1.0\r\n";
  const std::string list_id = list_id_value(newsletter.name, newsletter.slug + "." + list_domain);
  if (auto ok = append_field(list_lines_, "List-Id", split_spaces(list_id)); !ok) {
    return ok.error();
  }
  post_lines_ = fmt::format(
      "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nFeedback-ID: {}:{}:newsletter:{}\r\n",
      in.issue.id, newsletter.slug, in.feedback_id_sender);
  return {};
}

Status PreparedIssue::prepare_bodies(const IssueRenderInput& in, const std::string& base_url) {
  const Issue& issue = in.issue;
  const Newsletter& newsletter = in.newsletter;
  // Sections first (the emails' Markdown and the web version's), then Markdown once
  // per version, then the layouts around it. The sponsor block goes the same way.
  auto body_error = [](const Error& e) { return refuse("the issue's body:", e.message); };
  auto sponsor_error = [](const Error& e) {
    return refuse("the issue's sponsor block:", e.message);
  };
  auto versions = resolve_sections(issue.body_markdown);
  if (!versions) return body_error(versions.error());
  BodyVersions sponsor_versions;
  const bool sponsored = !issue.sponsor_markdown.empty();
  if (sponsored) {
    auto resolved = resolve_sections(issue.sponsor_markdown);
    if (!resolved) return sponsor_error(resolved.error());
    sponsor_versions = std::move(*resolved);
  }
  BodyFieldResolver fields({newsletter.name, in.publication_name, web_version_url_});
  markdown::MarkdownOptions markdown;
  markdown.base_url = base_url;
  markdown.merge_field = [&fields](const markdown::FieldRef& field, bool html) {
    return fields(field, html);
  };
  auto render_markdown = [&](const std::string& source, bool html, auto& on_error,
                             std::size_t first_footnote = 1) -> Result<markdown::Rendered> {
    markdown.first_footnote = first_footnote;
    auto out = html ? markdown::render_email_html(source, markdown)
                    : markdown::render_text(source, markdown);
    if (!out)
      return on_error(
          Error{out.error().code, out.error().message + "; it may hold " + body_fields_help()});
    if (!fields.status()) return on_error(fields.status().error());
    return out;
  };
  // One version of the body (email HTML, web HTML, text) with the sponsor's after its
  // first story: the layout places it ({{#sponsor}}), else the built-in look does.
  struct Body {
    std::string whole, lead, rest, sponsor;
  };
  auto render_body = [&](const std::string& source, const std::string& sponsor_source, bool html,
                         bool layout_places_sponsor) -> Result<Body> {
    auto body = render_markdown(source, html, body_error);
    if (!body) return body.error();
    Body out;
    out.lead = body->out.substr(0, body->first_story_end);
    out.rest = body->out.substr(body->first_story_end);
    out.whole = std::move(body->out);
    if (!sponsored) return out;
    auto sponsor = render_markdown(sponsor_source, html, sponsor_error, 1 + body->footnotes);
    if (!sponsor) return sponsor.error();
    out.sponsor = std::move(sponsor->out);
    if (!layout_places_sponsor) {
      out.whole = out.lead +
                  (html ? builtin_sponsor_html(out.sponsor) : builtin_sponsor_text(out.sponsor)) +
                  out.rest;
    }
    return out;
  };
  const bool html_places = detail::has_section(in.layout.html, "sponsor");
  const bool text_places = detail::has_section(in.layout.text, "sponsor");
  auto body_html = render_body(versions->email, sponsor_versions.email, true, html_places);
  if (!body_html) return body_html.error();
  auto body_text = render_body(versions->email, sponsor_versions.email, false, text_places);
  if (!body_text) return body_text.error();
  Result<Body> web_body = body_html;
  if (versions->web != versions->email || sponsor_versions.web != sponsor_versions.email) {
    web_body = render_body(versions->web, sponsor_versions.web, true, html_places);
  }
  if (!web_body) return web_body.error();
  for (std::size_t i = 0; i < kReaderFieldCount; ++i) {
    reader_defaults_[i] = fields.default_of(field_name(static_cast<ReaderField>(i)));
  }
  if (reader_defaults_[0]) name_fallback_ = *reader_defaults_[0];

  const UnixSeconds web_date = in.web_date != 0     ? in.web_date
                               : issue.started_at   ? *issue.started_at
                               : issue.scheduled_at ? *issue.scheduled_at
                                                    : issue.created_at;
  default_issue_date_ = format_issue_date(web_date);
  detail::LayoutValues fixed = {{"publication_name", in.publication_name},
                                {"newsletter_name", newsletter.name},
                                {"newsletter_description", newsletter.description},
                                {"newsletter_slug", newsletter.slug},
                                {"subject", issue.subject},
                                {"preheader", issue.preheader},
                                {"postal_address", in.postal_address},
                                {"base_url", base_url},
                                {"web_version_url", web_version_url_},
                                {"subscribe_url", base_url + "/newsletters"}};
  // The body's fields, last in `fixed`, and the sponsor, for one version of the body.
  auto with_body = [&fixed](const Body& body) {
    auto values = fixed;
    values.insert(values.end(),
                  {{"body", body.whole}, {"body_lead", body.lead}, {"body_rest", body.rest}});
    return values;
  };
  auto sponsor_of = [](const Body& body) {
    return detail::LayoutValues{{"sponsor", body.sponsor}};
  };
  const std::string html_what = "the HTML layout (" + in.layout.html_origin + ")";
  auto html = detail::render_layout(html_what, in.layout.html, true, with_body(*body_html),
                                    sponsor_of(*body_html), false);
  if (!html) return html.error();
  auto web = detail::render_layout(html_what, in.layout.html, true, with_body(*web_body),
                                   sponsor_of(*web_body), true);
  if (!web) return web.error();
  auto text =
      detail::render_layout("the text layout (" + in.layout.text_origin + ")", in.layout.text,
                            false, with_body(*body_text), sponsor_of(*body_text), false);
  if (!text) return text.error();
  if (!is_valid_utf8(*html) || !is_valid_utf8(*text)) {
    return refuse("the rendered issue", "is not valid UTF-8");
  }
  html_ = MergeText::compile(*html);
  text_ = MergeText::compile(*text);

  // The web version: no reader, so neutral values, and links to the catalogue.
  const std::string catalogue = html_escaped(base_url + "/newsletters");
  const std::string fallback = html_escaped(name_fallback_);
  const std::string email = html_escaped(reader_defaults_[1].value_or(""));
  const std::string date = html_escaped(default_issue_date_);
  MergeText::compile(*web).append_plain({fallback, email, date, catalogue, catalogue}, web_html_);
  return {};
}

}  // namespace broadsheet::render
