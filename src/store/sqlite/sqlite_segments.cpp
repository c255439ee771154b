// Segments (store/segments.hpp) on SQLite: one row per saved filter, its attribute
// conditions one JSON object; the audience of an issue sent to one is queued by
// begin_sending (sqlite_deliveries.cpp) with queue_segment_audience.
#include <fmt/format.h>

#include "store/row_readers.hpp"
#include "store/sqlite/query.hpp"
#include "store/sqlite/reader_filter.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace broadsheet::store::sqlite {
namespace {

Status read_segment_attributes(sqlite3* db, const Statements& sql, Segment& g) {
  Query q(db, sql.segment_attributes);
  q.bind_int(1, g.id);
  return q.each_row([&] { g.filter.attributes.push_back({q.text_at(0), q.text_at(1)}); });
}

// One segment by the statement `stmt`, whose ?1 is bound by `bind`.
template <typename Bind>
Result<Segment> one_segment(sqlite3* db, const Statements& sql, sqlite3_stmt* stmt,
                            std::string_view missing, Bind&& bind) {
  Segment g;
  {
    Query q(db, stmt);
    q.columns(kSegmentColumns);
    bind(q);
    if (auto s = q.expect_row(missing); !s) return s.error();
    g = read_segment(q);
    if (auto s = q.run(); !s) return s.error();
  }
  if (auto s = read_segment_attributes(db, sql, g); !s) return s.error();
  return g;
}

// Binds ?1..?9 of insert_segment and update_segment.
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

Error segment_write_error(const Segment& g, const Error& e, int code) {
  if (code == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return make_error(Errc::not_found,
                      fmt::format("no newsletter with id {}", g.filter.newsletter_id.value_or(0)));
  }
  return failed_to(fmt::format("save segment '{}'", g.name), e,
                   fmt::format("a segment named '{}' already exists", g.name));
}

}  // namespace

Result<Segment> SqliteStore::add_segment(const Segment& g) {
  Id id = 0;
  {
    auto h = hold();
    if (!h) return h.error();
    const std::string attributes = attributes_json(g.filter.attributes);
    Query q(db(), sql().insert_segment);
    bind_segment(q, g, attributes, clock_.now());
    Status s = q.returning_row("insert_segment returned no id", [&] { id = q.int_at(0); });
    if (!s) return segment_write_error(g, s.error(), q.last_code());
  }
  return segment_by_id(id);
}

Result<Segment> SqliteStore::update_segment(const Segment& g) {
  {
    auto h = hold();
    if (!h) return h.error();
    const std::string attributes = attributes_json(g.filter.attributes);
    Query q(db(), sql().update_segment);
    bind_segment(q, g, attributes, clock_.now());
    q.bind_int(10, g.id);
    Status s = q.returning_row(fmt::format("no segment with id {}", g.id), [] {});
    if (!s) {
      if (s.error().code == Errc::not_found) return s.error();
      return segment_write_error(g, s.error(), q.last_code());
    }
  }
  return segment_by_id(g.id);
}

Result<Segment> SqliteStore::segment_by_id(Id id) {
  auto r = read();
  if (!r) return r.error();
  auto g = one_segment(r->db(), r->sql(), r->sql().segment_by_id,
                       fmt::format("no segment with id {}", id), [&](Query& q) { q.bind_int(1, id); });
  if (!g) return failed_to(fmt::format("read segment {}", id), g.error());
  return g;
}

Result<Segment> SqliteStore::segment_by_name(const std::string& name) {
  auto r = read();
  if (!r) return r.error();
  auto g = one_segment(r->db(), r->sql(), r->sql().segment_by_name,
                       fmt::format("no segment named '{}'", name),
                       [&](Query& q) { q.bind_text(1, name); });
  if (!g) return failed_to(fmt::format("read segment '{}'", name), g.error());
  return g;
}

Result<std::vector<Segment>> SqliteStore::list_segments() {
  auto r = read();
  if (!r) return r.error();
  std::vector<Segment> out;
  {
    Query q(r->db(), r->sql().list_segments);
    q.columns(kSegmentColumns);
    if (auto s = q.each_row([&] { out.push_back(read_segment(q)); }); !s) {
      return failed_to("list segments", s.error());
    }
  }
  for (Segment& g : out) {
    if (auto s = read_segment_attributes(r->db(), r->sql(), g); !s) {
      return failed_to("list segments", s.error());
    }
  }
  return out;
}

Status SqliteStore::remove_segment(Id id) {
  auto h = hold();
  if (!h) return h.error();
  Query q(db(), sql().delete_segment);
  q.bind_int(1, id);
  Status s = q.returning_row(fmt::format("no segment with id {}", id), [] {});
  if (s) return {};
  if (q.last_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return make_error(Errc::conflict,
                      fmt::format("segment {} is the audience of an issue; an issue's segment "
                                  "stays as long as the issue",
                                  id));
  }
  return failed_to(fmt::format("remove segment {}", id), s.error());
}

Status SqliteStore::set_issue_segment(Id issue_id, std::optional<Id> segment_id) {
  auto h = hold();
  if (!h) return h.error();
  auto fail = [&](const Error& e) {
    return failed_to(fmt::format("set the segment of issue {}", issue_id), e);
  };
  Transaction tx(db(), sql().commit, sql().rollback);
  if (auto s = tx.begin(sql().begin_immediate); !s) return fail(s.error());
  {
    Query q(db(), sql().issue_segment);
    q.bind_int(1, issue_id);
    if (auto s = q.expect_row(fmt::format("no issue with id {}", issue_id)); !s) {
      return fail(s.error());
    }
  }
  if (segment_id) {
    Query q(db(), sql().segment_newsletter_of_issue);
    q.bind_int(1, issue_id).bind_int(2, *segment_id);
    if (auto s = q.expect_row(fmt::format("no segment with id {}", *segment_id)); !s) {
      return fail(s.error());
    }
    const Id issue_newsletter = q.int_at(0);
    const std::optional<Id> segment_newsletter = q.opt_int_at(1);
    if (segment_newsletter && *segment_newsletter != issue_newsletter) {
      return make_error(Errc::conflict,
                        fmt::format("segment {} is a segment of another newsletter than issue {}'s",
                                    *segment_id, issue_id));
    }
  }
  {
    Query q(db(), sql().set_issue_segment);
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

Result<std::optional<Id>> SqliteStore::issue_segment(Id issue_id) {
  auto r = read();
  if (!r) return r.error();
  Query q(r->db(), r->sql().issue_segment);
  q.bind_int(1, issue_id);
  if (auto s = q.expect_row(fmt::format("no issue with id {}", issue_id)); !s) {
    return failed_to(fmt::format("read the segment of issue {}", issue_id), s.error());
  }
  return q.opt_int_at(0);
}

}  // namespace broadsheet::store::sqlite
