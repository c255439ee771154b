// The methods of the Store not yet written for PostgreSQL (see pg_store.hpp), by role.
// Writing a role for PostgreSQL moves its methods from here to pg_<role>.cpp, with its
// queries in queries/<role>.sql and its store tests run on both backends; when this file
// is empty it goes, and PgStore::kComplete becomes true.
#include "store/postgres/pg_store.hpp"

namespace broadsheet::store::postgres {

Error PgStore::not_yet(const char* method) {
  return make_error(Errc::database, std::string(method) + " is not yet on PostgreSQL");
}

// Segments (segments.hpp) -----------------------------------------------------

Result<Segment> PgStore::add_segment(const Segment&) {
  return not_yet("add_segment");
}
Result<Segment> PgStore::update_segment(const Segment&) {
  return not_yet("update_segment");
}
Result<Segment> PgStore::segment_by_id(Id) {
  return not_yet("segment_by_id");
}
Result<Segment> PgStore::segment_by_name(const std::string&) {
  return not_yet("segment_by_name");
}
Result<std::vector<Segment>> PgStore::list_segments() {
  return not_yet("list_segments");
}
Status PgStore::remove_segment(Id) {
  return not_yet("remove_segment");
}
Status PgStore::set_issue_segment(Id, std::optional<Id>) {
  return not_yet("set_issue_segment");
}
Result<std::optional<Id>> PgStore::issue_segment(Id) {
  return not_yet("issue_segment");
}

}  // namespace broadsheet::store::postgres
