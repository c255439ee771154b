// PostgreSQL backend of the Store: segments (store/segments.hpp), as sqlite_segments.cpp
// has them; the SQL in queries/reader_directory.sql. A segment's attribute conditions are
// one jsonb object, read back one row per key. A segment is read in one REPEATABLE READ
// transaction (its row, then its conditions); set_issue_segment locks the issue's row, so
// no other node begins sending the issue between the checks and the change. The audience
// of an issue sent to a segment is queued by begin_sending (delivery_log.sql).
#include <fmt/format.h>

#include <map>

#include "store/postgres/pg_store.hpp"
#include "store/postgres/query.hpp"
#include "store/reader_attributes.hpp"
#include "store/row_readers.hpp"

namespace broadsheet::store::postgres {
namespace {

std::string no_segment(Id id) { return fmt::format("no segment with id {}", id); }
std::string no_issue(Id id) { return fmt::format("no issue with id {}", id); }

Status read_segment_attributes(Connection& c, Segment& g) {
  Query q(c, "segment_attributes");
  q.bind_int(1, g.id);
  return q.each_row([&] { g.filter.attributes.push_back({q.text_at(0), q.text_at(1)}); });
}

// One segment by the query `name`, whose $1 is bound by `bind`, with its conditions.
template <typename Bind>
Result<Segment> one_segment(Connection& c, std::string_view name, std::string_view missing,
                            Bind&& bind) {
  Transaction tx(c);
  if (auto s = tx.begin("REPEATABLE READ"); !s) return s.error();
  Segment g;
  {
    Query q(c, name);
    q.columns(kSegmentColumns);
    bind(q);
    if (auto s = q.expect_row(missing); !s) return s.error();
    g = read_segment(q);
  }
  if (auto s = read_segment_attributes(c, g); !s) return s.error();
  if (auto s = tx.commit(); !s) return s.error();
  return g;
}

// Binds $1..$9 of insert_segment and update_segment.
void bind_segment(Query& q, const Segment& g, const std::string& attributes, UnixSeconds now) {
  q.bind_text(1, g.name);
  q.bind_opt_int(2, g.filter.newsletter_id);
  if (g.filter.status) {
    q.bind_text(3, to_string(*g.filter.status));
  } else {
    q.bind_null(3);
  }
  q.bind_opt_text(4, g.filter.zone);
  q.bind_opt_int(5, g.filter.signed_up_from);
  q.bind_opt_int(6, g.filter.signed_up_until);
  q.bind_opt_text(7, g.filter.source_page);
  q.bind_text(8, attributes);
  q.bind_int(9, now);
}

Error segment_write_error(const Segment& g, const Error& e, const std::string& sqlstate) {
  if (sqlstate == kForeignKeyViolation) {
    return make_error(Errc::not_found,
                      fmt::format("no newsletter with id {}", g.filter.newsletter_id.value_or(0)));
  }
  return failed_to(fmt::format("save segment '{}'", g.name), e,
                   fmt::format("a segment named '{}' already exists", g.name));
}

}  // namespace

Result<Segment> PgStore::add_segment(const Segment& g) {
  Id id = 0;
  {
    auto c = lease();
    if (!c) return c.error();
    const std::string attributes = attributes_json(g.filter.attributes);
    Query q(**c, "insert_segment");
    bind_segment(q, g, attributes, clock_.now());
    Status s = q.returning_row("insert_segment returned no id", [&] { id = q.int_at(0); });
    if (!s) return segment_write_error(g, s.error(), q.sqlstate());
  }
  return segment_by_id(id);
}

Result<Segment> PgStore::update_segment(const Segment& g) {
  {
    auto c = lease();
    if (!c) return c.error();
    const std::string attributes = attributes_json(g.filter.attributes);
    Query q(**c, "update_segment");
    bind_segment(q, g, attributes, clock_.now());
    q.bind_int(10, g.id);
    Status s = q.returning_row(no_segment(g.id), [] {});
    if (!s) {
      if (s.error().code == Errc::not_found) return s.error();
      return segment_write_error(g, s.error(), q.sqlstate());
    }
  }
  return segment_by_id(g.id);
}

Result<Segment> PgStore::segment_by_id(Id id) {
  auto c = lease();
  if (!c) return c.error();
  auto g = one_segment(**c, "segment_by_id", no_segment(id), [&](Query& q) { q.bind_int(1, id); });
  if (!g) return failed_to(fmt::format("read segment {}", id), g.error());
  return g;
}

Result<Segment> PgStore::segment_by_name(const std::string& name) {
  auto c = lease();
  if (!c) return c.error();
  auto g = one_segment(**c, "segment_by_name", fmt::format("no segment named '{}'", name),
                       [&](Query& q) { q.bind_text(1, name); });
  if (!g) return failed_to(fmt::format("read segment '{}'", name), g.error());
  return g;
}

Result<std::vector<Segment>> PgStore::list_segments() {
  auto c = lease();
  if (!c) return c.error();
  auto fail = [](const Error& e) { return failed_to("list segments", e); };
  Transaction tx(**c);
  if (auto s = tx.begin("REPEATABLE READ"); !s) return fail(s.error());
  std::vector<Segment> out;
  {
    Query q(**c, "list_segments");
    q.columns(kSegmentColumns);
    if (auto s = q.each_row([&] { out.push_back(read_segment(q)); }); !s) return fail(s.error());
  }
  std::map<Id, Segment*> by_id;
  for (Segment& g : out) by_id[g.id] = &g;
  {
    Query q(**c, "all_segment_attributes");
    auto s = q.each_row([&] {
      if (auto it = by_id.find(q.int_at(0)); it != by_id.end()) {
        it->second->filter.attributes.push_back({q.text_at(1), q.text_at(2)});
      }
    });
    if (!s) return fail(s.error());
  }
  if (auto s = tx.commit(); !s) return fail(s.error());
  return out;
}

Status PgStore::remove_segment(Id id) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "delete_segment");
  q.bind_int(1, id);
  Status s = q.returning_row(no_segment(id), [] {});
  if (s) return {};
  if (q.sqlstate() == kForeignKeyViolation) {
    return make_error(Errc::conflict,
                      fmt::format("segment {} is the audience of an issue; an issue's segment "
                                  "stays as long as the issue",
                                  id));
  }
  return failed_to(fmt::format("remove segment {}", id), s.error());
}

Status PgStore::set_issue_segment(Id issue_id, std::optional<Id> segment_id) {
  auto c = lease();
  if (!c) return c.error();
  auto fail = [&](const Error& e) {
    return failed_to(fmt::format("set the segment of issue {}", issue_id), e);
  };
  Transaction tx(**c);
  if (auto s = tx.begin(); !s) return fail(s.error());
  {
    Query q(**c, "issue_segment_for_update");
    q.bind_int(1, issue_id);
    if (auto s = q.expect_row(no_issue(issue_id)); !s) return fail(s.error());
  }
  if (segment_id) {
    Query q(**c, "segment_newsletter_of_issue");
    q.bind_int(1, issue_id).bind_int(2, *segment_id);
    if (auto s = q.expect_row(no_segment(*segment_id)); !s) return fail(s.error());
    const Id issue_newsletter = q.int_at(0);
    const std::optional<Id> segment_newsletter = q.opt_int_at(1);
    if (segment_newsletter && *segment_newsletter != issue_newsletter) {
      return make_error(Errc::conflict,
                        fmt::format("segment {} is a segment of another newsletter than issue {}'s",
                                    *segment_id, issue_id));
    }
  }
  {
    Query q(**c, "set_issue_segment");
    q.bind_int(1, issue_id).bind_opt_int(2, segment_id).bind_int(3, clock_.now());
    Status s = q.returning_row("", [] {});
    if (!s && s.error().code == Errc::not_found) {
      return make_error(Errc::conflict,
                        fmt::format("issue {} began sending; its audience can no longer change",
                                    issue_id));
    }
    if (!s) return fail(s.error());
  }
  if (auto s = tx.commit(); !s) return fail(s.error());
  return {};
}

Result<std::optional<Id>> PgStore::issue_segment(Id issue_id) {
  auto c = lease();
  if (!c) return c.error();
  Query q(**c, "issue_segment");
  q.bind_int(1, issue_id);
  if (auto s = q.expect_row(no_issue(issue_id)); !s) {
    return failed_to(fmt::format("read the segment of issue {}", issue_id), s.error());
  }
  return q.opt_int_at(0);
}

}  // namespace broadsheet::store::postgres
