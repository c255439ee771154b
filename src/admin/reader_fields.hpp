// The rules of a reader's fields, shared by `broadsheet subscriber ...` and the token
// API (api_readers.hpp), so a name or zone one accepts the other accepts too.
// Each check returns Errc::invalid_argument with a message naming the field as the
// caller calls it (`label`: "--name" or "\"name\""). Pure functions; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"
#include "store/segments.hpp"

namespace broadsheet::admin {

inline constexpr std::size_t kMaxReaderName = 200;

// One line of UTF-8 text of at most kMaxReaderName bytes.
Status check_reader_name(std::string_view name, std::string_view label);
// An IANA zone name, or "" for none.
Status check_reader_zone(std::string_view zone, std::string_view label);
// At most kMaxReaderAttributes, keys of 1..kMaxAttributeKeyBytes and values of at most
// kMaxAttributeValueBytes of UTF-8 without control characters, keys unique.
Status check_reader_attributes(const std::vector<ReaderAttribute>& attributes,
                               std::string_view label);

// Sends issue `issue_id` to the segment named `segment` (nullopt: its whole newsletter)
// from now on: `issue send --segment` and the API's send. Errc::not_found for no such
// segment ("no segment named ..."), Errc::conflict as Segments::set_issue_segment.
Status choose_issue_segment(store::Segments& segments, Id issue_id,
                            const std::optional<std::string>& segment);

// Before a new issue of newsletter `newsletter_id` is made to go to the segment named
// `segment` (`issue create --segment`, "segment" in POST /api/v1/issues): the segment,
// or Errc::invalid_argument naming `label` for no such segment or one of another
// newsletter, so that a refusal makes nothing.
Result<store::Segment> segment_for_new_issue(store::Segments& segments, Id newsletter_id,
                                             const std::string& segment, std::string_view label);

// The name of the segment an issue is sent to, or nothing for its whole newsletter:
// "segment" of `issue show --json` and of the API's issues.
Result<std::optional<std::string>> issue_segment_name(store::Segments& segments, Id issue_id);

// A reader as one CSV row of `broadsheet export` and GET /api/v1/exports, after the
// header kReaderCsvHeader (both end with a line feed).
inline constexpr std::string_view kReaderCsvHeader = "email,name,timezone,status,created_at\n";
void append_reader_csv(std::string& out, const Subscriber& s);

}  // namespace broadsheet::admin
