// The methods of the Store not yet written for PostgreSQL (see pg_store.hpp), by role.
// Writing a role for PostgreSQL moves its methods from here to pg_<role>.cpp, with its
// queries in queries/<role>.sql and its store tests run on both backends; when this file
// is empty it goes, and PgStore::kComplete becomes true.
#include "store/postgres/pg_store.hpp"

namespace broadsheet::store::postgres {

Error PgStore::not_yet(const char* method) {
  return make_error(Errc::database, std::string(method) + " is not yet on PostgreSQL");
}

// Imports (imports.hpp) -------------------------------------------------------

Result<std::unique_ptr<ImportSession>> PgStore::begin_import(const ImportOptions&) {
  return not_yet("begin_import");
}

// Articles (articles.hpp) -----------------------------------------------------

Result<Article> PgStore::add_article(const Article&) {
  return not_yet("add_article");
}
Result<std::vector<Article>> PgStore::latest_articles(std::size_t) {
  return not_yet("latest_articles");
}
Result<Article> PgStore::article_by_slug(const std::string&) {
  return not_yet("article_by_slug");
}
Result<std::vector<Article>> PgStore::list_articles(const ArticleQuery&) {
  return not_yet("list_articles");
}
Result<std::vector<Article>> PgStore::newsletter_articles(Id, UnixSeconds, std::size_t) {
  return not_yet("newsletter_articles");
}
Result<std::size_t> PgStore::add_feed_articles(Id, const std::vector<Article>&) {
  return not_yet("add_feed_articles");
}

// Editions (editions.hpp) -----------------------------------------------------

Result<bool> PgStore::skip_edition(Id, const std::string&, const std::string&, UnixSeconds) {
  return not_yet("skip_edition");
}
Result<std::vector<EditionSkip>> PgStore::edition_skips(Id, const std::string&, const std::string&) {
  return not_yet("edition_skips");
}

// Feeds (feeds.hpp) -----------------------------------------------------------

Result<Feed> PgStore::add_feed(const Feed&) {
  return not_yet("add_feed");
}
Result<Feed> PgStore::feed_by_id(Id) {
  return not_yet("feed_by_id");
}
Result<std::vector<Feed>> PgStore::list_feeds() {
  return not_yet("list_feeds");
}
Status PgStore::remove_feed(Id) {
  return not_yet("remove_feed");
}
Result<std::vector<Feed>> PgStore::due_feeds(UnixSeconds, std::size_t) {
  return not_yet("due_feeds");
}
Status PgStore::record_poll(Id, const FeedPollRecord&) {
  return not_yet("record_poll");
}

// Archive (archive.hpp) -------------------------------------------------------

Result<std::vector<ArchiveEntry>> PgStore::archive_list(const ArchiveQuery&) {
  return not_yet("archive_list");
}
Result<Issue> PgStore::archive_issue(Id, Id) {
  return not_yet("archive_issue");
}

// AuditLog (audit_log.hpp) ----------------------------------------------------

Status PgStore::audit(const std::string&, const std::string&, const std::string&, const std::string&) {
  return not_yet("audit");
}
Result<std::vector<AuditEntry>> PgStore::recent_audit(std::size_t) {
  return not_yet("recent_audit");
}

// ReaderDirectory (reader_directory.hpp) --------------------------------------

Result<std::vector<Subscriber>> PgStore::find_readers(const ReaderFilter&, Id, std::size_t) {
  return not_yet("find_readers");
}
Result<std::size_t> PgStore::count_readers(const ReaderFilter&) {
  return not_yet("count_readers");
}
Result<ReaderRecord> PgStore::reader_record(Id) {
  return not_yet("reader_record");
}
Status PgStore::set_attributes(Id, const std::vector<ReaderAttribute>&) {
  return not_yet("set_attributes");
}
Status PgStore::set_reader_status(Id, SubscriberStatus) {
  return not_yet("set_reader_status");
}
Status PgStore::erase_reader(Id, const std::string&) {
  return not_yet("erase_reader");
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
