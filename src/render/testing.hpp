// A realistic issue and readers for the renderer's tests and bench/render.
#pragma once

#include <string>

#include "render/email_layout.hpp"
#include "render/issue_render.hpp"

namespace broadsheet::render::testing {

// About `paragraphs` × 700 bytes of Markdown: headings, links, a table, lists, a
// quote, an image, and merge fields in the greeting and the closing line.
inline std::string sample_markdown(int sections = 6) {
  std::string md =
      "Good morning {{name}},\n\n"
      "here is what happened overnight, and what to watch today. Reply to this email "
      "if you have a tip for our reporters.\n\n";
  for (int i = 1; i <= sections; ++i) {
    const std::string n = std::to_string(i);
    md += "## " + n + ". Council approves the new tram line through the old town\n\n";
    md +=
        "After **three years** of debate, the council voted 31 to 24 on Thursday night to "
        "build the line. Shopkeepers on the high street say the works will cost them "
        "_months_ of trade; the mayor promises compensation. [Read the full story]"
        "(https://news.example.com/2024/11/29/tram-line-" +
        n +
        "?utm_source=newsletter&utm_medium=email)."
        "\n\n";
    md +=
        "> “We have waited long enough,” said Margarethe Öztürk, who chairs the transport "
        "committee. “Every year of delay costs the city more than the line itself.”\n\n";
    md += "| Route | Stops | Opens |\n|:------|------:|:-----:|\n";
    md += "| Line " + n + " | 14 | 2027 |\n| Line " + n + "b (extension) | 6 | 2029 |\n\n";
    md +=
        "- Works start in March on Königstraße\n- Buses replace trams on weekends\n"
        "- Cyclists get a [new lane](/archive/cycling) during the works\n\n";
  }
  md +=
      "![The planned route across the river](https://news.example.com/img/route.png)\n\n"
      "---\n\n"
      "Thanks for reading, {{name}}. Forwarded this? [Sign up here]({{web_version_url}}), "
      "or [change what you receive]({{preferences_url}}).\n";
  return md;
}

inline IssueRenderInput sample_input(int sections = 6) {
  IssueRenderInput in;
  in.issue.id = 42;
  in.issue.newsletter_id = 7;
  in.issue.newsletter_slug = "morning";
  in.issue.subject = "Tram line approved, budget talks stall, and a week of sun";
  in.issue.preheader = "The council voted 31 to 24; shopkeepers worry about the works.";
  in.issue.body_markdown = sample_markdown(sections);
  in.issue.created_at = 1732860000;  // Fri, 29 Nov 2024 06:00:00 UTC
  in.newsletter.id = 7;
  in.newsletter.slug = "morning";
  in.newsletter.name = "The Morning Briefing";
  in.newsletter.description = "The day's news before breakfast.";
  in.newsletter.from_name = "The Morning Briefing";
  in.newsletter.from_address = "briefing@news.example.com";
  in.publication_name = "The Example Gazette";
  in.base_url = "https://news.example.com";
  in.postal_address = "1 Printing House Square, London EC4V 4AA, United Kingdom";
  in.reply_to = "Letters <letters@news.example.com>";
  in.layout = builtin_email_layout();
  return in;
}

inline ReaderFields sample_reader(int i = 1) {
  ReaderFields r;
  r.email = "reader" + std::to_string(i) + "@mail.example.org";
  r.name = "Ada Lovelace";
  r.issue_date = "Friday, 29 November 2024";
  r.unsubscribe_url = "https://news.example.com/u/" + std::string(56, 'U');
  r.unsubscribe_mailto = "unsubscribe+" + std::string(20, 'T') + "@news.example.com";
  r.preferences_url = "https://news.example.com/p/" + std::string(56, 'P');
  r.delivery_header = "42." + std::to_string(i) + ".abcdef";
  return r;
}

}  // namespace broadsheet::render::testing
