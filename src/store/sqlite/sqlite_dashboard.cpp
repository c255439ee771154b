// SQLite backend of the Store: the desk's dashboard figures.
// See sqlite_store.cpp for what the backend trusts and how it fails.
#include <algorithm>

#include "store/sqlite/query.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {

Result<std::vector<NewsletterReaders>> SqliteStore::readers_per_newsletter() {
  auto h = hold();
  if (!h) return h.error();
  std::vector<NewsletterReaders> out;
  Query q(db(), sql().readers_per_newsletter);
  Status s = q.each_row([&] {
    out.push_back({q.int_at(0), q.text_at(1), q.text_at(2), q.int_at(3), q.int_at(4)});
  });
  if (!s) return failed_to("count readers", s.error());
  return out;
}

Result<std::vector<ActivityDay>> SqliteStore::activity_since(std::int64_t first_day) {
  auto h = hold();
  if (!h) return h.error();
  std::vector<ActivityDay> out;
  Query q(db(), sql().activity_since);
  q.bind_int(1, first_day);
  Status s = q.each_row([&] {
    out.push_back({q.int_at(0), q.int_at(1), q.int_at(2), q.int_at(3)});
  });
  if (!s) return failed_to("read daily activity", s.error());
  return out;
}

Result<std::vector<RecentFailure>> SqliteStore::recent_failures(std::size_t limit) {
  auto h = hold();
  if (!h) return h.error();
  std::vector<RecentFailure> out;
  {
    Query q(db(), sql().recent_delivery_failures);
    q.bind_int(1, static_cast<std::int64_t>(limit));
    Status s = q.each_row([&] {
      out.push_back({q.int_at(0), q.text_at(1), q.text_at(2), q.text_at(3), q.int_at(4)});
    });
    if (!s) return failed_to("read recent failures", s.error());
  }
  Query q(db(), sql().recent_stopped_issues);
  q.bind_int(1, static_cast<std::int64_t>(limit));
  Status s = q.each_row([&] {
    out.push_back({q.int_at(0), q.text_at(1), "", q.text_at(2), q.int_at(3)});
  });
  if (!s) return failed_to("read stopped issues", s.error());
  std::stable_sort(out.begin(), out.end(),
                   [](const RecentFailure& a, const RecentFailure& b) { return a.at > b.at; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace broadsheet::store::sqlite
