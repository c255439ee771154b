// Store role: segments, saved filters of readers (store/reader_directory.hpp) that an
// issue can be sent to instead of its whole newsletter (issue 14 item 4).
//
// An issue sent to a segment goes to the readers of the issue's newsletter who are
// confirmed, active and not suppressed (as any issue) and who match the segment's
// zone, sign-up range, source page and attributes; the segment's newsletter is the
// issue's or none, and its status condition does not apply to sending. The audience is
// queued when sending begins (DeliveryLog::begin_sending), by one INSERT ... SELECT in
// the store: it is never held in memory.
// Thread-safe; each method is one transaction (store/store.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"
#include "store/reader_directory.hpp"

namespace broadsheet::store {

inline constexpr std::size_t kMaxSegmentName = 100;
inline constexpr std::size_t kMaxSegments = 1000;

struct Segment {
  Id id = 0;
  std::string name;  // unique; one line of at most kMaxSegmentName bytes
  std::string newsletter_slug;  // filled when read back; "" for none
  ReaderFilter filter;  // `search` is not part of a segment
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
};

class Segments {
 public:
  virtual ~Segments() = default;

  // Errc::conflict when the name is taken; Errc::not_found for an unknown newsletter.
  virtual Result<Segment> add_segment(const Segment& s) = 0;
  // Replaces every field but the id. Errors as add_segment, and Errc::not_found.
  virtual Result<Segment> update_segment(const Segment& s) = 0;
  virtual Result<Segment> segment_by_id(Id id) = 0;
  virtual Result<Segment> segment_by_name(const std::string& name) = 0;
  virtual Result<std::vector<Segment>> list_segments() = 0;  // by name
  // Errc::conflict when an issue names it; Errc::not_found.
  virtual Status remove_segment(Id id) = 0;
  // The segment an issue is sent to (none: the whole newsletter). Errc::not_found for
  // no issue; Errc::conflict when the issue is no longer a draft or scheduled, or the
  // segment belongs to another newsletter.
  virtual Status set_issue_segment(Id issue_id, std::optional<Id> segment_id) = 0;
  virtual Result<std::optional<Id>> issue_segment(Id issue_id) = 0;
};

}  // namespace broadsheet::store
