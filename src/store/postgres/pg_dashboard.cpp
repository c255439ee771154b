// PostgreSQL backend of the Store: the desk's dashboard figures (store/dashboard.hpp), as
// sqlite_dashboard.cpp has them; the SQL in queries/dashboard.sql.
#include <algorithm>

#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"

namespace broadsheet::store::postgres {

Result<std::vector<NewsletterReaders>> PgStore::readers_per_newsletter() {
  auto c = lease();
  if (!c) return c.error();
  std::vector<NewsletterReaders> out;
  Query q(**c, "readers_per_newsletter");
  Status s = q.each_row([&] {
    out.push_back({q.int_at(0), q.text_at(1), q.text_at(2), q.int_at(3), q.int_at(4)});
  });
  if (!s) return failed_to("count readers", s.error());
  return out;
}

Result<std::vector<ActivityDay>> PgStore::activity_since(std::int64_t first_day) {
  auto c = lease();
  if (!c) return c.error();
  std::vector<ActivityDay> out;
  Query q(**c, "activity_since");
  q.bind_int(1, first_day);
  Status s = q.each_row([&] {
    out.push_back({q.int_at(0), q.int_at(1), q.int_at(2), q.int_at(3)});
  });
  if (!s) return failed_to("read daily activity", s.error());
  return out;
}

Result<std::vector<RecentFailure>> PgStore::recent_failures(std::size_t limit) {
  auto c = lease();
  if (!c) return c.error();
  std::vector<RecentFailure> out;
  {
    Query q(**c, "recent_delivery_failures");
    q.bind_int(1, as_sql_limit(limit));
    Status s = q.each_row([&] {
      out.push_back({q.int_at(0), q.text_at(1), q.text_at(2), q.text_at(3), q.int_at(4)});
    });
    if (!s) return failed_to("read recent failures", s.error());
  }
  Query q(**c, "recent_stopped_issues");
  q.bind_int(1, as_sql_limit(limit));
  Status s = q.each_row([&] {
    out.push_back({q.int_at(0), q.text_at(1), "", q.text_at(2), q.int_at(3)});
  });
  if (!s) return failed_to("read stopped issues", s.error());
  std::stable_sort(out.begin(), out.end(),
                   [](const RecentFailure& a, const RecentFailure& b) { return a.at > b.at; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace broadsheet::store::postgres
