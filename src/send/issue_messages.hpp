// The messages of one issue as the send engine sends them: the issue rendered once
// (render/issue_render.hpp), then per reader the merge fields, signed links
// (unsubscribe, preferences), the issue date in the reader's time zone, an
// X-Broadsheet-Delivery header, and the DKIM signatures of every configured key.
//
// X-Broadsheet-Delivery: "ISSUE.SUBSCRIBER.TAG": the issue and reader ids and a
// delivery token (links/token.hpp, purpose delivery) that only this publication can
// make, so bounces and duplicate counts can trust the ids.
// List-Unsubscribe carries the one-click HTTPS link and a mailto: of
// `mail.unsubscribe_mailbox` (or unsubscribe@ the From domain) whose subject holds the
// reader's unsubscribe token.
//
// An issue on its way out passes three stages, each with its type:
//   input     IssueRenderInput (render/issue_render.hpp): the issue, its newsletter, the
//             publication's fields and the email layout; issue_render_input() below.
//   rendered  PreparedIssue (render/issue_render.hpp): Markdown and layout rendered once
//             per issue, waiting for one reader's ReaderFields (reader_fields() below).
//   signed    SignedIssue (render/signed_issue.hpp): a reader's copy, merged and
//             DKIM-signed, as the one string a transport takes.
// The engine sees none of them: it asks IssueMessages (engine.hpp) for each reader's
// signed copy, and issue_messages_factory() makes those from the three stages.
// IssueMessageSettings is what the sending side adds: the configuration, the link key
// and the DKIM keys.
//
// Thread-safety: the IssueMessages made here are immutable; message_for() is safe from
// every worker at once.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "dkim/signer.hpp"
#include "render/issue_render.hpp"
#include "send/engine.hpp"
#include "store/newsletters.hpp"

namespace broadsheet::send {

struct IssueMessageSettings {
  const Config* config = nullptr;  // publication, mail and data folder
  std::string link_key;            // HMAC key of reader links (web/signup.hpp ReaderKeys)
  dkim::DkimSigner signer;         // empty: unsigned
};

// The rendering input of `issue` of `newsletter` under `settings` (layouts from the
// data folder, or built in). Errc::io or invalid_argument for a bad layout file.
Result<render::IssueRenderInput> issue_render_input(const IssueMessageSettings& settings,
                                                    const Issue& issue,
                                                    const Newsletter& newsletter);

// The reader-specific fields of one reader's copy: links, date in their zone, header.
render::ReaderFields reader_fields(const IssueMessageSettings& settings,
                                   const render::PreparedIssue& prepared, Id issue_id,
                                   Id newsletter_id, const store::PendingDelivery& reader,
                                   UnixSeconds now);

// The complete message for one reader: DKIM-Signature fields, then the message.
Result<std::string> signed_message(const IssueMessageSettings& settings,
                                   const render::PreparedIssue& prepared,
                                   const render::ReaderFields& fields, UnixSeconds now);

// The engine's factory: renders each issue once, with its newsletter read from
// `newsletters`. REQUIRES: settings.config, `newsletters` and `clock` outlive what it
// makes.
IssueMessagesFactory issue_messages_factory(IssueMessageSettings settings,
                                            store::Newsletters& newsletters, const Clock& clock);

}  // namespace broadsheet::send
