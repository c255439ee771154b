// An issue as one reader would get it, without sending it: `broadsheet issue render`,
// GET /api/v1/issues/{id}/preview and POST /api/v1/preview (unsaved Markdown) share it.
// The issue is rendered by the send path itself (issue_messages.hpp: the layouts of
// the data folder, the reader's merge fields, links signed for the reader), so what
// is previewed is what is sent.
//
// The reader is the store's reader at the address given (their name and zone), or a
// stranger with that address (links signed for no one, id 0), or, when none is given,
// the sample reader kSampleEmail / kSampleName. Nothing is recorded.
//
// Errors: Errc::invalid_argument for an address the rules refuse or an issue the
// renderer refuses (unknown merge field, bad layout), the store's errors otherwise.
// Thread-safe as the settings and the store's roles are.
#pragma once

#include <string>
#include <string_view>

#include "address/address.hpp"
#include "render/issue_render.hpp"
#include "send/issue_messages.hpp"
#include "store/readers.hpp"

namespace broadsheet::send {

inline constexpr std::string_view kSampleEmail = "reader@example.com";
inline constexpr std::string_view kSampleName = "Sam Reader";

// The reader of a preview at `email` (empty: the sample reader). Special-use domains
// are allowed, as for test sends.
Result<store::PendingDelivery> preview_reader(store::Readers& readers, std::string_view email,
                                              address::AddressPolicy policy);

// The issue rendered once, and the merge fields of `reader`.
struct ReaderPreview {
  render::PreparedIssue prepared;
  render::ReaderFields fields;
};
Result<ReaderPreview> preview_for(const IssueMessageSettings& settings, const Issue& issue,
                                  const Newsletter& newsletter,
                                  const store::PendingDelivery& reader, UnixSeconds now);

}  // namespace broadsheet::send
