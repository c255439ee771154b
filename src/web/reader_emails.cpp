#include "web/reader_emails.hpp"

#include <fmt/format.h>

#include "address/mailbox.hpp"
#include "http/message.hpp"
#include "mime/mime.hpp"
#include "schedule/schedule.hpp"

namespace broadsheet::web {
namespace {

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
      http::html_escape(title), inner);
}

}  // namespace
std::string confirm_url(const Config& c, const std::string& t) { return c.publication.base_url + "/confirm/" + t; }
std::string unsubscribe_url(const Config& c, const std::string& t) { return c.publication.base_url + "/u/" + t; }
std::string preferences_url(const Config& c, const std::string& t) { return c.publication.base_url + "/p/" + t; }

Result<std::string> build_confirmation_email(const Config& config, const ConfirmationEmail& e) {
  address::AddressPolicy sender_policy;
  sender_policy.allow_special_use_domains = true;
  auto from = address::parse_mailbox(config.mail.from, sender_policy);
  if (!from) return from.error();
  const auto& pub = config.publication;

  std::string list_text, list_html;
  for (const auto& n : e.newsletters) {
    auto schedule = parse_schedule(n.schedule);
    std::string when = schedule ? schedule->describe() : n.schedule;
    list_text += fmt::format("  * {} ({})\n", n.name, when);
    list_html += fmt::format("<li><strong>{}</strong> &middot; {}</li>", http::html_escape(n.name),
                             http::html_escape(when));
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
  m.html_body = email_html(pub.name, fmt::format(
      "<p>{}</p><p>You asked to receive these newsletters:</p><ul>{}</ul>"
      "<p style=\"margin:24px 0\"><a href=\"{}\" style=\"background:#0b5394;color:#ffffff;"
      "padding:12px 20px;text-decoration:none;font-family:Arial,sans-serif;font-weight:bold;"
      "border-radius:4px\">Confirm my subscription</a></p>"
      "<p style=\"font-size:14px;color:#5c5c5c\">The link works for {} days. If you did not "
      "ask for this, ignore this email: you will not hear from us again.</p>"
      "<p style=\"font-size:13px;color:#5c5c5c\"><a href=\"{}\" style=\"color:#5c5c5c\">Manage "
      "your newsletters</a> &middot; {}</p>",
      http::html_escape(hello), list_html, http::html_escape(e.confirm_url), e.expiry_days,
      http::html_escape(e.preferences_url), http::html_escape(pub.postal_address)));
  m.extra_headers = {
      {"List-Unsubscribe", fmt::format("<{}>", e.unsubscribe_url)},
      {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
      {"Auto-Submitted", "auto-generated"},
  };
  return mime::build_message(m);
}

}  // namespace broadsheet::web

namespace broadsheet::web {

Result<std::string> build_welcome_email(const Config& config, const WelcomeEmail& e) {
  address::AddressPolicy sender_policy;
  sender_policy.allow_special_use_domains = true;
  auto fallback = address::parse_mailbox(config.mail.from, sender_policy);
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
    if (!para.empty()) html += "<p>" + http::html_escape(para) + "</p>";
    start = end + 2;
  }
  mime::OutgoingMessage m;
  m.from = from;
  m.to = address::Mailbox{e.to_name, e.to_address};
  m.subject = e.newsletter.welcome_subject;
  m.date = e.now;
  m.message_id_domain = from.address.substr(from.address.find('@') + 1);
  m.text_body = fmt::format("{}\n\n-- \nManage your newsletters: {}\nUnsubscribe: {}\n{}\n",
                            body, e.preferences_url, e.unsubscribe_url,
                            config.publication.postal_address);
  m.html_body = email_html(e.newsletter.name, fmt::format(
      "{}"
      "<p style=\"font-size:13px;color:#5c5c5c\"><a href=\"{}\" style=\"color:#5c5c5c\">Manage "
      "your newsletters</a> &middot; <a href=\"{}\" style=\"color:#5c5c5c\">Unsubscribe</a> "
      "&middot; {}</p>",
      html, http::html_escape(e.preferences_url), http::html_escape(e.unsubscribe_url),
      http::html_escape(config.publication.postal_address)));
  m.extra_headers = {
      {"List-Unsubscribe", fmt::format("<{}>", e.unsubscribe_url)},
      {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"},
  };
  return mime::build_message(m);
}

}  // namespace broadsheet::web
