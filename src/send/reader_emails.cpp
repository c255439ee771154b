#include "send/reader_emails.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "address/mailbox.hpp"
#include "core/text.hpp"
#include "links/pages.hpp"
#include "mime/mime.hpp"
#include "schedule/schedule.hpp"
#include "send/return_path.hpp"

namespace broadsheet::send {
namespace {

struct ConfirmationEmail {
  std::string to_address, to_name;
  std::vector<Newsletter> newsletters;  // those awaiting confirmation
  std::string confirm_url, preferences_url, unsubscribe_url;
  UnixSeconds now = 0;
  int expiry_days = 7;
};

struct WelcomeEmail {
  std::string to_address, to_name;
  Newsletter newsletter;  // with its welcome_subject and welcome_body
  std::string preferences_url, unsubscribe_url;
  UnixSeconds now = 0;
};

// mail.from, which config validation has checked; special-use domains (example.org)
// are allowed, as the demo uses them.
Result<address::Mailbox> configured_sender(const Config& config) {
  address::AddressPolicy sender_policy;
  sender_policy.allow_special_use_domains = true;
  return address::parse_mailbox(config.mail.from, sender_policy);
}

// The frame of every email the reader side sends: nested tables at most 600 px wide
// with inline styles, as mail clients need. `inner` is HTML already escaped.
std::string email_html(const std::string& title, const std::string& inner) {
  return fmt::format(
      "<!doctype html><html><body style=\"margin:0;padding:0;background:#f4f1ea\">"
      "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\">"
      "<tr><td align=\"center\" style=\"padding:24px 12px\">"
      "<table role=\"presentation\" width=\"100%\" style=\"max-width:600px;background:#ffffff;"
      "font-family:Georgia,serif;color:#1a1a1a\" cellpadding=\"0\" cellspacing=\"0\">"
      "<tr><td style=\"padding:24px 28px;border-top:4px solid #0b5394\">"
      "<p style=\"font-size:20px;font-weight:bold;margin:0 0 16px\">{}</p>{}"
      "</td></tr></table></td></tr></table></body></html>",
      html_escaped(title), inner);
}

// The confirmation of a sign-up: the newsletters awaiting it and the link that confirms.
Result<std::string> build_confirmation_email(const Config& config, const ConfirmationEmail& e) {
  auto from = configured_sender(config);
  if (!from) return from.error();
  const auto& pub = config.publication;

  std::string list_text, list_html;
  for (const auto& n : e.newsletters) {
    auto schedule = schedule::parse_schedule(n.schedule);
    std::string when = schedule ? schedule->describe() : n.schedule;
    list_text += fmt::format("  * {} ({})\n", n.name, when);
    list_html += fmt::format("<li><strong>{}</strong> &middot; {}</li>", html_escaped(n.name),
                             html_escaped(when));
  }
  std::string hello = e.to_name.empty() ? "Hello," : fmt::format("Hello {},", e.to_name);
  std::string subject =
      e.newsletters.size() == 1
          ? fmt::format("Please confirm your subscription to {}", e.newsletters.front().name)
          : fmt::format("Please confirm your subscriptions to {}", pub.name);

  mime::OutgoingMessage m;
  m.from = *from;
  m.to = address::Mailbox{e.to_name, e.to_address};
  m.subject = subject;
  m.date = e.now;
  // Message-IDs sit on the sending domain, as receivers' filters expect.
  m.message_id_domain = from->address.substr(from->address.find('@') + 1);
  m.text_body = fmt::format(
      "{}\n\nYou asked to receive these newsletters from {}:\n\n{}\n"
      "Please confirm by opening this link within {} days:\n\n{}\n\n"
      "If you did not ask for this, ignore this email: you will not hear from us again.\n\n"
      "Manage your newsletters: {}\n\n-- \n{}\n{}\n",
      hello, pub.name, list_text, e.expiry_days, e.confirm_url, e.preferences_url, pub.name,
      pub.postal_address);
  m.html_body = email_html(
      pub.name,
      fmt::format(
          "<p>{}</p><p>You asked to receive these newsletters:</p><ul>{}</ul>"
          "<p style=\"margin:24px 0\"><a href=\"{}\" style=\"background:#0b5394;color:#ffffff;"
          "padding:12px 20px;text-decoration:none;font-family:Arial,sans-serif;font-weight:bold;"
          "border-radius:4px\">Confirm my subscription</a></p>"
          "<p style=\"font-size:14px;color:#5c5c5c\">The link works for {} days. If you did not "
          "ask for this, ignore this email: you will not hear from us again.</p>"
          "<p style=\"font-size:13px;color:#5c5c5c\"><a href=\"{}\" style=\"color:#5c5c5c\">Manage "
          "your newsletters</a> &middot; {}</p>",
          html_escaped(hello), list_html, html_escaped(e.confirm_url), e.expiry_days,
          html_escaped(e.preferences_url), html_escaped(pub.postal_address)));
  m.extra_headers = {
      {"List-Unsubscribe", fmt::format("<{}>", e.unsubscribe_url)},
      {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
      {"Auto-Submitted", "auto-generated"},
  };
  return mime::build_message(m);
}

// The newsletter's welcome email, from the newsletter's own sender when it has one.
Result<std::string> build_welcome_email(const Config& config, const WelcomeEmail& e) {
  auto fallback = configured_sender(config);
  if (!fallback) return fallback.error();
  address::Mailbox from = e.newsletter.from_address.empty()
                              ? *fallback
                              : address::Mailbox{e.newsletter.from_name, e.newsletter.from_address};
  std::string body = e.newsletter.welcome_body;
  std::string html;
  std::size_t start = 0;
  while (start < body.size()) {
    auto end = body.find("\n\n", start);
    if (end == std::string::npos) end = body.size();
    std::string para = body.substr(start, end - start);
    if (!para.empty()) html += "<p>" + html_escaped(para) + "</p>";
    start = end + 2;
  }
  mime::OutgoingMessage m;
  m.from = from;
  m.to = address::Mailbox{e.to_name, e.to_address};
  m.subject = e.newsletter.welcome_subject;
  m.date = e.now;
  m.message_id_domain = from.address.substr(from.address.find('@') + 1);
  m.text_body =
      fmt::format("{}\n\n-- \nManage your newsletters: {}\nUnsubscribe: {}\n{}\n", body,
                  e.preferences_url, e.unsubscribe_url, config.publication.postal_address);
  m.html_body = email_html(
      e.newsletter.name,
      fmt::format(
          "{}"
          "<p style=\"font-size:13px;color:#5c5c5c\"><a href=\"{}\" style=\"color:#5c5c5c\">Manage "
          "your newsletters</a> &middot; <a href=\"{}\" style=\"color:#5c5c5c\">Unsubscribe</a> "
          "&middot; {}</p>",
          html, html_escaped(e.preferences_url), html_escaped(e.unsubscribe_url),
          html_escaped(config.publication.postal_address)));
  m.extra_headers = {
      {"List-Unsubscribe", fmt::format("<{}>", e.unsubscribe_url)},
      {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
  };
  return mime::build_message(m);
}

}  // namespace

ReaderEmails::ReaderEmails(const Config& config, std::string link_key, dkim::DkimSigner signer,
                           const Clock& clock)
    : config_(config), link_key_(std::move(link_key)), signer_(std::move(signer)), clock_(clock) {}

Result<std::shared_ptr<const std::string>> ReaderEmails::signed_message(std::string message) const {
  if (!signer_.empty()) {
    auto signature = signer_.sign(message);
    if (!signature) return signature.error();
    message.insert(0, *signature);
  }
  return std::make_shared<const std::string>(std::move(message));
}

Result<std::optional<transport::Mail>> ReaderEmails::render(
    const store::QueuedMail& mail, const std::vector<Newsletter>& newsletters) const {
  std::vector<Newsletter> named;  // in the order the row names them
  for (Id id : mail.newsletter_ids) {
    auto n = std::find_if(newsletters.begin(), newsletters.end(),
                          [&](const Newsletter& x) { return x.id == id; });
    if (n == newsletters.end()) continue;
    if (mail.kind == store::QueuedMailKind::welcome && n->welcome_subject.empty()) continue;
    named.push_back(*n);
  }
  if (named.empty()) return std::optional<transport::Mail>();
  auto rendered = mail.kind == store::QueuedMailKind::welcome ? welcome(mail, named.front())
                                                       : confirmation(mail, std::move(named));
  if (!rendered) return rendered.error();
  return std::optional<transport::Mail>(std::move(*rendered));
}

std::string ReaderEmails::reader_return_path(const store::QueuedMail& mail,
                                             std::string_view from_address) const {
  return return_path(config_, {links::ReturnKind::reader_mail, mail.subscriber_id, mail.id},
                     link_key_, from_address);
}

Result<transport::Mail> ReaderEmails::welcome(const store::QueuedMail& mail, const Newsletter& n) const {
  WelcomeEmail e;
  e.to_address = mail.email;
  e.to_name = mail.name;
  e.newsletter = n;
  e.now = clock_.now();
  e.preferences_url = links::signed_page_url(
      config_.publication.base_url, {links::TokenPurpose::preferences, mail.subscriber_id, 0, 0},
      link_key_);
  e.unsubscribe_url = links::signed_page_url(
      config_.publication.base_url, {links::TokenPurpose::unsubscribe, mail.subscriber_id, n.id, 0},
      link_key_);
  auto message = build_welcome_email(config_, e);
  if (!message) {
    return make_error(message.error().code, fmt::format("cannot render the welcome email of {}: {}",
                                                        n.slug, message.error().message));
  }
  auto sender = n.from_address.empty()
                    ? configured_sender(config_)
                    : Result<address::Mailbox>(address::Mailbox{n.from_name, n.from_address});
  auto bytes = signed_message(std::move(*message));
  if (!bytes) return bytes.error();
  return transport::Mail{{reader_return_path(mail, sender ? sender->address : ""), mail.email},
                         std::move(*bytes)};
}

Result<transport::Mail> ReaderEmails::confirmation(const store::QueuedMail& mail,
                                                   std::vector<Newsletter> awaiting) const {
  const UnixSeconds now = clock_.now();
  ConfirmationEmail e;
  e.to_address = mail.email;
  e.to_name = mail.name;
  e.now = now;
  e.expiry_days = config_.signup.confirm_expiry_days;
  e.newsletters = std::move(awaiting);
  Id one = e.newsletters.size() == 1 ? e.newsletters.front().id : 0;
  e.confirm_url =
      links::signed_page_url(config_.publication.base_url,
                             {links::TokenPurpose::confirm, mail.subscriber_id, one,
                              now + UnixSeconds{86400} * config_.signup.confirm_expiry_days},
                             link_key_);
  e.preferences_url = links::signed_page_url(
      config_.publication.base_url, {links::TokenPurpose::preferences, mail.subscriber_id, 0, 0},
      link_key_);
  e.unsubscribe_url = links::signed_page_url(
      config_.publication.base_url, {links::TokenPurpose::unsubscribe, mail.subscriber_id, 0, 0},
      link_key_);
  auto message = build_confirmation_email(config_, e);
  if (!message) {
    return make_error(message.error().code, fmt::format("cannot render the confirmation email: {}",
                                                        message.error().message));
  }
  auto from = configured_sender(config_);
  auto bytes = signed_message(std::move(*message));
  if (!bytes) return bytes.error();
  return transport::Mail{{reader_return_path(mail, from ? from->address : ""), mail.email},
                         std::move(*bytes)};
}

}  // namespace broadsheet::send
