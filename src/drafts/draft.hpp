// Drafts from the day's articles (issue 12 item 6): which articles a newsletter's
// draft of an edition takes, and the Markdown body they make through a Mustache draft
// layout. The maker (maker.hpp) calls these for the scheduler's step and `issue draft`.
//
// The layout is the publisher's DATA/templates/draft/SLUG.md.mustache, or the built-in
// web/templates/draft/draft.md.mustache. It sees newsletter_name, edition (YYYY-MM-DD),
// edition_long ("Tuesday 8 December 2026") and sections, a list of {name, articles},
// each article {title, link, summary, author, section, image, published_at}. Values
// are escaped for Markdown (a title cannot open a link or a merge field); the body is
// then checked as any issue's (render/body_fields.hpp).
//
// Pure functions but load_draft_layout (reads one file); safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"
#include "schedule/editions.hpp"

namespace broadsheet::drafts {

inline constexpr std::size_t kMaxDraftLayout = 64 * 1024;

// The settings live with the newsletter (core/types.hpp).
using broadsheet::DraftSettings;
using broadsheet::OnCutoff;

// The articles of a draft, at most `settings.items`: sections in the order of
// `settings.sections` (compared without regard to case), then the other sections,
// newest first within each; ties by id. `candidates` in any order.
std::vector<Article> select_articles(std::vector<Article> candidates,
                                     const DraftSettings& settings);

// "Morning Briefing: Tuesday 8 December 2026", at most kMaxIssueSubject bytes.
std::string draft_subject(const Newsletter& n, schedule::Day edition);

// `text` with every character Markdown or a merge field could read as syntax escaped
// with a backslash, and line breaks as spaces.
std::string escape_markdown(std::string_view text);

struct DraftLayout {
  std::string source;
  std::string origin;  // "built-in" or the file's path, for messages
};

// The newsletter's layout (REQUIRES: a valid slug): DATA/templates/draft/SLUG.md.mustache,
// else the built-in one. Errc::io for a file that exists but is not a regular file,
// cannot be read or is larger than kMaxDraftLayout, Errc::invalid_argument for one that
// is not UTF-8.
Result<DraftLayout> load_draft_layout(const std::string& data_dir, std::string_view slug);

// The body of the draft: the layout over the picked articles (in the order given,
// grouped by section in order of first appearance). Errc::invalid_argument naming the
// layout's origin when its Mustache is invalid.
Result<std::string> render_draft(const DraftLayout& layout, const Newsletter& n,
                                 schedule::Day edition, const std::vector<Article>& picked);

}  // namespace broadsheet::drafts
