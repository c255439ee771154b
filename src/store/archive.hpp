// Store role: the public archive of a newsletter's issues, as the archive pages and
// feeds read it (src/web/archive_pages). Reads only.
// Thread-safe; each method is one read transaction (store/store.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/types.hpp"

namespace broadsheet::store {

// The public archive: the issues readers have got (sending or sent, or paused or
// cancelled after at least one copy went out), newest first by when sending began.
struct ArchiveQuery {
  Id newsletter_id = 0;
  // Keyset cursor: only issues older than this issue of the newsletter; 0 for the
  // newest. An id that names no issue of the newsletter lists nothing.
  Id before = 0;
  std::size_t limit = 100;
};

// What an archive list and feed show of an issue: no body.
struct ArchiveEntry {
  Id id = 0;
  std::string subject, preheader;
  UnixSeconds published_at = 0;  // when sending began
};

class Archive {
 public:
  virtual ~Archive() = default;

  // The public archive (see ArchiveQuery), read from an index without the issues'
  // bodies: one query.
  virtual Result<std::vector<ArchiveEntry>> archive_list(const ArchiveQuery& q) = 0;
  // One issue of the newsletter, with its body, when it is public; Errc::not_found when
  // it is not, whatever the reason (a draft, another newsletter's, no such id).
  virtual Result<Issue> archive_issue(Id newsletter_id, Id issue_id) = 0;
};

}  // namespace broadsheet::store
