// An issue rendered into one email per reader.
//
// PreparedIssue::prepare does everything that does not depend on the reader, once:
// it parses the Markdown (markdown.hpp) and the layout (email_layout.hpp), renders
// them with the reader's fields left as markers (merge_fields.hpp), quoted-printable
// encodes every line that holds no reader field, and writes the headers that are the
// same for everyone. message_for then only encodes the reader's values and the few
// lines that hold them, and copies the rest.
//
// The message (see mime.hpp for the encoding rules it shares with build_message):
//   Date, From, To, [Reply-To], Subject, Message-ID (<random@From's domain>),
//   MIME-Version, List-Id: "Name" <slug.list_id_domain> (RFC 2919),
//   List-Unsubscribe: <https://…/u/TOKEN>[, <mailto:…>] (RFC 2369),
//   List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058),
//   Feedback-ID: ISSUE:SLUG:newsletter:SENDER, [X-Broadsheet-Delivery],
// then multipart/alternative with a random boundary: text/plain first, text/html
// second, both UTF-8 and quoted-printable. Byte for byte what build_message writes
// for the same parts and random bytes.
//
// Layout fields (Mustache; {{x}} is HTML-escaped in the HTML layout, nothing is
// escaped in the text layout):
//   fixed per issue:  publication_name newsletter_name newsletter_description
//                     newsletter_slug subject preheader postal_address base_url
//                     web_version_url subscribe_url, {{{body}}} (the rendered
//                     Markdown), and the boolean web (true on the archive page, so
//                     {{^web}}…{{/web}} is for emails only)
//   the sponsor:      {{#sponsor}}…{{{sponsor}}}…{{/sponsor}} shows the issue's sponsor
//                     block (its Markdown rendered as the body's is) where the layout
//                     puts it, and nothing when the issue has none; {{{body_lead}}} is
//                     the body's first story and {{{body_rest}}} the rest (markdown.hpp,
//                     "Stories"), so the layout sets the block between them, labelled
//                     "Advertisement". A layout without a {{#sponsor}} section gets the
//                     block inside {{{body}}}, after the first story, in a built-in
//                     labelled look (<div class="bs-sponsor">; in text, between rules);
//                     with one, {{{body}}} is the body alone.
//   per reader:       name (or name_fallback) email issue_date unsubscribe_url
//                     preferences_url; always escaped in HTML, even as {{{name}}};
//                     usable as values only, not as {{#sections}}.
// In the Markdown body: the fields and sections of body_fields.hpp ({{name}},
// {{name | default: "reader"}}, {{#reader}}…{{/reader}} …), in text or as a whole link
// target ([Manage]({{preferences_url}})).
// The subject and preheader are the same for every reader: a merge field there is
// refused, not sent as braces.
//
// What it trusts: nothing. prepare refuses (Errc::invalid_argument) control
// characters in any one-line value (subject, names, addresses, URLs, postal address),
// invalid UTF-8, a From or Reply-To that is not "Name <addr>", a bad slug, base URL or
// List-Id domain, a layout that is not valid Mustache or uses a reader field as a
// section, and a body with an unknown merge field. message_for, html_for and text_for
// refuse a reader value with CR, LF, NUL or another control character, an address that
// is not a plain ASCII addr-spec, and URLs that are not http(s) or contain spaces,
// quotes or angle brackets. Nothing from a reader, an editor or the configuration can
// add a header or a MIME part.
//
// Time zones: the issue date in the reader's zone comes from the caller
// (ReaderFields::issue_date, made with format_issue_date), since the send engine
// already groups readers by zone; this library does not read tzdata.
//
// Thread-safety: a PreparedIssue is immutable; every method is safe from any thread.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "address/mailbox.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "mime/mime.hpp"
#include "render/email_layout.hpp"
#include "render/merge_fields.hpp"

namespace broadsheet::render {

struct IssueRenderInput {
  Issue issue;
  Newsletter newsletter;  // From is from_name <from_address> when the address is set
  std::string publication_name;
  std::string base_url;        // "https://news.example.com"; a trailing "/" is dropped
  std::string postal_address;  // one line, shown in every footer
  std::string from;            // "Name <addr>", for newsletters without a from_address
  std::string reply_to;        // "Name <addr>", or empty for none
  std::string list_id_domain;  // empty: the domain of From
  std::string feedback_id_sender = "broadsheet";  // [A-Za-z0-9._-]+
  std::string name_fallback = "reader";           // {{name}} of readers without one
  UnixSeconds web_date = 0;  // the web version's date; 0: the issue's start, schedule or creation
  EmailLayout layout;        // builtin_email_layout() or load_email_layout()
};

struct ReaderFields {
  std::string email;               // plain ASCII addr-spec (A-labels): the To address
  std::string email_display;       // {{email}} as the reader knows it; empty: `email`
  std::string name;                // may be empty
  std::string issue_date;          // format_issue_date() in the reader's zone; empty: the
                                   // issue's date in UTC, as on the web version
  std::string unsubscribe_url;     // https://…/u/TOKEN
  std::string unsubscribe_mailto;  // "addr" or "mailto:addr?…"; empty: none
  std::string preferences_url;     // https://…/p/TOKEN
  std::string delivery_header;     // X-Broadsheet-Delivery value (printable ASCII); empty: none
};

// "Friday, 29 November 2024" for the day holding `local_time`, which is the instant
// as wall-clock seconds in the reader's zone (UTC seconds plus the zone's offset).
std::string format_issue_date(UnixSeconds local_time);

class PreparedIssue {
 public:
  static Result<PreparedIssue> prepare(const IssueRenderInput& input);

  // The complete message for one reader, unsigned, ending in CRLF. `random` gives the
  // Message-ID and the boundary (28 bytes).
  Result<std::string> message_for(const ReaderFields& reader, UnixSeconds date,
                                  const mime::RandomSource& random = mime::system_random) const;
  // The same, appended to `out` (which keeps its capacity across messages).
  Status append_message(const ReaderFields& reader, UnixSeconds date,
                        const mime::RandomSource& random, std::string& out) const;

  // The two bodies for one reader, as the message carries them before encoding.
  Result<std::string> html_for(const ReaderFields& reader) const;
  Result<std::string> text_for(const ReaderFields& reader) const;

  // The issue as a web page for GET /archive/SLUG/ISSUE: the HTML layout with web
  // set, the reader fields neutral (name_fallback, no email, the links pointing at
  // the newsletter catalogue) and no reader data.
  const std::string& web_html() const { return web_html_; }

  const address::Mailbox& from() const { return from_; }
  const std::string& web_version_url() const { return web_version_url_; }
  // Bytes of a message before the reader's values, to size buffers.
  std::size_t size_hint() const;

 private:
  struct Values;  // a reader's fields, checked and escaped
  Status reader_values(const ReaderFields& reader, Values& out) const;
  Status prepare_headers(const IssueRenderInput& in);
  Status prepare_bodies(const IssueRenderInput& in, const std::string& base_url);

  address::Mailbox from_;
  std::string message_id_domain_;
  std::string name_fallback_;  // the body's {{name | default: …}}, else the input's
  // The body's defaults of the reader fields, by ReaderField.
  std::array<std::optional<std::string>, kReaderFieldCount> reader_defaults_;
  std::string web_version_url_;
  std::string default_issue_date_;  // the issue's date in UTC
  // Header lines that are the same for every reader, between the per-reader ones.
  std::string from_lines_;     // From
  std::string subject_lines_;  // Reply-To and Subject
  std::string list_lines_;     // MIME-Version and List-Id
  std::string post_lines_;     // List-Unsubscribe-Post and Feedback-ID
  MergeText html_;
  MergeText text_;
  std::string web_html_;
};

}  // namespace broadsheet::render
