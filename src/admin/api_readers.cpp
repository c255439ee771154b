#include "admin/api_readers.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "address/address.hpp"
#include "admin/api_common.hpp"
#include "admin/json_shapes.hpp"
#include "admin/reader_fields.hpp"
#include "core/encoding.hpp"
#include "core/text.hpp"

namespace broadsheet::admin {
namespace {

namespace json = boost::json;
using detail::error_answer;
using http::Request;
using http::Response;

constexpr std::size_t kDefaultReaderPage = 50;
constexpr std::size_t kMaxReaderPage = 500;
constexpr std::size_t kMaxSearchBytes = 200;
constexpr std::size_t kMaxSourcePageBytes = 500;
constexpr std::string_view kAttributeParam = "attr.";

Response readers_unavailable() {
  return Response::json_error(503, "unavailable", "Readers are not served here.");
}

bool readers_served(const ApiContext& ctx) {
  return ctx.readers != nullptr && ctx.signups != nullptr && ctx.directory != nullptr &&
         ctx.segments != nullptr;
}

Response invalid_field_answer(std::string message) {
  return Response::json_error(400, "invalid_field", message);
}

// The opaque cursor of a keyset page: the last reader id, which clients must not
// build themselves (the order may change).
std::string cursor_of(Id last) { return base64url_encode(fmt::format("r:{}", last)); }

std::optional<Id> id_of_cursor(std::string_view cursor) {
  auto text = base64url_decode(cursor);
  if (!text || text->size() < 3 || text->compare(0, 2, "r:") != 0) return std::nullopt;
  Id id = 0;
  auto [end, ec] = std::from_chars(text->data() + 2, text->data() + text->size(), id);
  if (ec != std::errc() || end != text->data() + text->size() || id < 0) return std::nullopt;
  return id;
}

std::optional<Id> path_id(const Request& req) {
  const std::string& text = req.params.at("id");
  Id id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

Result<std::size_t> page_limit(const Request& req) {
  auto text = req.query_param("limit");
  if (!text) return kDefaultReaderPage;
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size() || n < 1 || n > kMaxReaderPage) {
    return make_error(Errc::invalid_argument,
                      fmt::format("\"limit\" must be a number from 1 to {}.", kMaxReaderPage));
  }
  return n;
}

Result<Id> newsletter_id(ApiContext& ctx, std::string_view slug, std::string_view label) {
  auto n = ctx.newsletters.newsletter_by_slug(std::string(slug));
  if (!n) {
    if (n.error().code == Errc::not_found) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{}: no newsletter \"{}\".", label, excerpt(slug)));
    }
    return n.error();
  }
  return n->id;
}

Result<SubscriptionStatus> status_of(std::string_view text, std::string_view label) {
  auto s = subscription_status_from(text);
  if (!s) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} must be unconfirmed, confirmed or unsubscribed.", label));
  }
  return *s;
}

Result<UnixSeconds> instant_of(std::string_view text, std::string_view label) {
  auto t = parse_rfc3339(text, true);
  if (!t) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} must be a date (2026-12-01) or an RFC 3339 time.", label));
  }
  return *t;
}

Status check_source_page(std::string_view page, std::string_view label) {
  if (page.size() > kMaxSourcePageBytes || !is_valid_utf8(page) || has_unprintable_chars(page)) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} must be one line of at most {} bytes.", label,
                                  kMaxSourcePageBytes));
  }
  return {};
}

// The filter of GET /api/v1/readers and /api/v1/exports, from the query.
Result<store::ReaderFilter> filter_of_query(ApiContext& ctx, const Request& req) {
  store::ReaderFilter f;
  if (auto q = req.query_param("q")) {
    if (q->size() > kMaxSearchBytes || !is_valid_utf8(*q) || has_unprintable_chars(*q)) {
      return make_error(Errc::invalid_argument,
                        fmt::format("\"q\" must be at most {} bytes of text.", kMaxSearchBytes));
    }
    f.search = std::string(trim_whitespace(*q));
  }
  if (auto slug = req.query_param("newsletter"); slug && !slug->empty()) {
    auto id = newsletter_id(ctx, *slug, "\"newsletter\"");
    if (!id) return id.error();
    f.newsletter_id = *id;
  }
  if (auto text = req.query_param("status"); text && !text->empty()) {
    auto s = status_of(*text, "\"status\"");
    if (!s) return s.error();
    f.status = *s;
  }
  if (auto zone = req.query_param("zone")) {
    if (auto s = check_reader_zone(*zone, "\"zone\""); !s) return s.error();
    f.zone = std::string(*zone);
  }
  if (auto text = req.query_param("signed_up_from"); text && !text->empty()) {
    auto t = instant_of(*text, "\"signed_up_from\"");
    if (!t) return t.error();
    f.signed_up_from = *t;
  }
  if (auto text = req.query_param("signed_up_until"); text && !text->empty()) {
    auto t = instant_of(*text, "\"signed_up_until\"");
    if (!t) return t.error();
    f.signed_up_until = *t;
  }
  if (auto page = req.query_param("source_page"); page && !page->empty()) {
    if (auto s = check_source_page(*page, "\"source_page\""); !s) return s.error();
    f.source_page = std::string(*page);
  }
  for (const auto& [name, value] : req.query) {
    if (name.starts_with(kAttributeParam)) {
      f.attributes.push_back({name.substr(kAttributeParam.size()), value});
    }
  }
  if (auto s = check_reader_attributes(f.attributes, "\"attr.KEY\""); !s) return s.error();
  return f;
}

json::value optional_instant(const std::optional<UnixSeconds>& t) {
  return t ? json::value(format_iso8601(*t)) : json::value(nullptr);
}

json::object record_json(const store::ReaderRecord& r) {
  json::object out = subscriber_json(r.reader);
  json::array consents;
  for (const auto& c : r.consents) {
    consents.push_back(json::object{
        {"newsletter", c.newsletter_id ? json::value(c.newsletter_slug) : json::value(nullptr)},
        {"kind", c.kind},
        {"granted", c.granted},
        {"text_version", c.text_version},
        {"source_page", c.source_page},
        {"client_address", c.client_address},
        {"at", format_iso8601(c.created_at)}});
  }
  out["consents"] = std::move(consents);
  json::array deliveries;
  for (const auto& d : r.deliveries) {
    deliveries.push_back(json::object{{"issue_id", d.issue_id},
                                      {"subject", d.issue_subject},
                                      {"status", d.status},
                                      {"attempts", d.attempts},
                                      {"last_reply", d.last_reply},
                                      {"updated_at", format_iso8601(d.updated_at)}});
  }
  out["deliveries"] = std::move(deliveries);
  json::array audit;
  for (const auto& e : r.audit) {
    audit.push_back(json::object{{"at", format_iso8601(e.at)},
                                 {"actor", e.actor},
                                 {"action", e.action},
                                 {"detail", e.detail}});
  }
  out["audit"] = std::move(audit);
  out["bounces"] = bounce_events_json(r.bounces);
  out["suppressed_since"] = optional_instant(r.suppressed_since);
  return out;
}

Response record_answer(ApiContext& ctx, const Request& req, Id id, int status = 200) {
  auto record = ctx.directory->reader_record(id);
  if (!record) return error_answer(req, record.error());
  return Response::json(status, record_json(*record));
}

// The attributes of a JSON object of strings.
Result<std::vector<ReaderAttribute>> attributes_of(const json::value& v, std::string_view label) {
  if (!v.is_object()) {
    return make_error(Errc::invalid_argument,
                      fmt::format("{} must be an object of strings.", label));
  }
  std::vector<ReaderAttribute> out;
  for (const auto& field : v.as_object()) {
    if (!field.value().is_string()) {
      return make_error(Errc::invalid_argument,
                        fmt::format("{}: \"{}\" must be a string.", label, excerpt(field.key())));
    }
    out.push_back({std::string(field.key()), std::string(field.value().as_string())});
  }
  if (auto s = check_reader_attributes(out, label); !s) return s.error();
  return out;
}

json::object segment_json(const store::Segment& g, std::optional<std::size_t> count) {
  const auto& f = g.filter;
  json::object attributes;
  for (const auto& a : f.attributes) attributes[a.key] = a.value;
  json::object out{
      {"id", g.id},
      {"name", g.name},
      {"newsletter", f.newsletter_id ? json::value(g.newsletter_slug) : json::value(nullptr)},
      {"status", f.status ? json::value(std::string(to_string(*f.status))) : json::value(nullptr)},
      {"zone", f.zone ? json::value(*f.zone) : json::value(nullptr)},
      {"signed_up_from", optional_instant(f.signed_up_from)},
      {"signed_up_until", optional_instant(f.signed_up_until)},
      {"source_page", f.source_page ? json::value(*f.source_page) : json::value(nullptr)},
      {"attributes", std::move(attributes)},
      {"created_at", format_iso8601(g.created_at)},
      {"updated_at", format_iso8601(g.updated_at)}};
  if (count) out["count"] = *count;
  return out;
}

// Applies the fields of a segment's JSON body to `g`: absent fields stay, null clears a
// condition.
Status apply_segment_fields(ApiContext& ctx, const json::object& body, store::Segment& g) {
  auto text = [&](std::string_view name) -> Result<std::optional<std::string>> {
    const json::value& v = body.at(name);
    if (v.is_null()) return std::optional<std::string>{};
    if (!v.is_string()) {
      return make_error(Errc::invalid_argument, fmt::format("\"{}\" must be a string or null.", name));
    }
    return std::optional<std::string>(std::string(v.as_string()));
  };
  if (body.contains("name")) {
    const json::value& v = body.at("name");
    if (!v.is_string() || v.as_string().empty() || v.as_string().size() > store::kMaxSegmentName ||
        !is_valid_utf8(v.as_string()) || has_unprintable_chars(v.as_string())) {
      return make_error(Errc::invalid_argument,
                        fmt::format("\"name\" must be one line of 1 to {} bytes.",
                                    store::kMaxSegmentName));
    }
    g.name = std::string(v.as_string());
  }
  if (body.contains("newsletter")) {
    auto slug = text("newsletter");
    if (!slug) return slug.error();
    g.filter.newsletter_id.reset();
    if (*slug) {
      auto id = newsletter_id(ctx, **slug, "\"newsletter\"");
      if (!id) return id.error();
      g.filter.newsletter_id = *id;
    }
  }
  if (body.contains("status")) {
    auto status = text("status");
    if (!status) return status.error();
    g.filter.status.reset();
    if (*status) {
      auto s = status_of(**status, "\"status\"");
      if (!s) return s.error();
      g.filter.status = *s;
    }
  }
  if (body.contains("zone")) {
    auto zone = text("zone");
    if (!zone) return zone.error();
    if (*zone) {
      if (auto s = check_reader_zone(**zone, "\"zone\""); !s) return s;
    }
    g.filter.zone = *zone;
  }
  for (auto [name, field] : {std::pair{"signed_up_from", &g.filter.signed_up_from},
                             std::pair{"signed_up_until", &g.filter.signed_up_until}}) {
    if (!body.contains(name)) continue;
    auto value = text(name);
    if (!value) return value.error();
    field->reset();
    if (*value) {
      auto t = instant_of(**value, fmt::format("\"{}\"", name));
      if (!t) return t.error();
      *field = *t;
    }
  }
  if (body.contains("source_page")) {
    auto page = text("source_page");
    if (!page) return page.error();
    if (*page) {
      if (auto s = check_source_page(**page, "\"source_page\""); !s) return s;
    }
    g.filter.source_page = *page;
  }
  if (body.contains("attributes")) {
    const json::value& v = body.at("attributes");
    g.filter.attributes.clear();
    if (!v.is_null()) {
      auto attributes = attributes_of(v, "\"attributes\"");
      if (!attributes) return attributes.error();
      g.filter.attributes = std::move(*attributes);
    }
  }
  return {};
}

std::optional<Response> unknown_segment_field(const json::object& body) {
  return detail::unknown_field(
      body,
      {"name", "newsletter", "status", "zone", "signed_up_from", "signed_up_until",
       "source_page", "attributes"},
      "a segment has name, newsletter, status, zone, signed_up_from, signed_up_until, "
      "source_page and attributes.");
}

Response segment_answer(ApiContext& ctx, const Request& req, const store::Segment& g,
                        int status) {
  auto count = ctx.directory->count_readers(g.filter);
  if (!count) return error_answer(req, count.error());
  return Response::json(status, segment_json(g, *count));
}

}  // namespace

Response api_list_readers(ApiContext& ctx, const Request& req) {
  if (!readers_served(ctx)) return readers_unavailable();
  auto filter = filter_of_query(ctx, req);
  if (!filter) return error_answer(req, filter.error());
  auto limit = page_limit(req);
  if (!limit) return error_answer(req, limit.error());
  Id after = 0;
  if (auto cursor = req.query_param("cursor"); cursor && !cursor->empty()) {
    auto id = id_of_cursor(*cursor);
    if (!id) return invalid_field_answer("\"cursor\" must be the next_cursor of a page.");
    after = *id;
  }
  auto rows = ctx.directory->find_readers(*filter, after, *limit);
  if (!rows) return error_answer(req, rows.error());
  json::array out;
  for (const auto& s : *rows) out.push_back(subscriber_json(s));
  json::value next = nullptr;
  if (rows->size() == *limit) next = json::value(cursor_of(rows->back().id));
  return Response::json(200, json::object{{"readers", std::move(out)}, {"next_cursor", next}});
}

Response api_add_reader(ApiContext& ctx, const Request& req) {
  if (!readers_served(ctx)) return readers_unavailable();
  std::optional<Response> refusal;
  auto parsed = detail::json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object& body = parsed->value.as_object();
  if (auto r = detail::unknown_field(
          body, {"email", "name", "timezone", "attributes", "newsletters", "confirmed"},
          "a reader has email, name, timezone, attributes, newsletters and confirmed.")) {
    return std::move(*r);
  }
  auto email = detail::string_field(body, "email", std::nullopt);
  if (!email) return error_answer(req, email.error());
  auto address = address::parse_email(*email, ctx.address_policy);
  if (!address) return invalid_field_answer(fmt::format("\"email\": {}", address.error().message));
  Subscriber s;
  s.email = address->normalized;
  s.email_display = address->display;
  auto name = detail::string_field(body, "name", std::string());
  if (!name) return error_answer(req, name.error());
  if (auto st = check_reader_name(*name, "\"name\""); !st) return error_answer(req, st.error());
  s.name = *name;
  auto zone = detail::string_field(body, "timezone", std::string());
  if (!zone) return error_answer(req, zone.error());
  if (auto st = check_reader_zone(*zone, "\"timezone\""); !st) return error_answer(req, st.error());
  s.timezone = *zone;
  std::vector<ReaderAttribute> attributes;
  if (body.contains("attributes")) {
    auto a = attributes_of(body.at("attributes"), "\"attributes\"");
    if (!a) return error_answer(req, a.error());
    attributes = std::move(*a);
  }
  bool confirmed = false;
  if (body.contains("confirmed")) {
    if (!body.at("confirmed").is_bool()) return invalid_field_answer("\"confirmed\" must be true or false.");
    confirmed = body.at("confirmed").as_bool();
  }
  // Every newsletter is resolved first, so a typo adds nothing.
  std::vector<Id> newsletters;
  if (body.contains("newsletters")) {
    const json::value& v = body.at("newsletters");
    if (!v.is_array() || v.as_array().size() > 100) {
      return invalid_field_answer("\"newsletters\" must be an array of at most 100 newsletter slugs.");
    }
    for (const auto& slug : v.as_array()) {
      if (!slug.is_string()) return invalid_field_answer("\"newsletters\" must be an array of slugs.");
      auto id = newsletter_id(ctx, slug.as_string(), "\"newsletters\"");
      if (!id) return error_answer(req, id.error());
      newsletters.push_back(*id);
    }
  }
  auto suppressed = ctx.readers->suppressed_since(s.email);
  if (!suppressed) return error_answer(req, suppressed.error());
  if (*suppressed) {
    return Response::json_error(
        409, "suppressed",
        fmt::format("{} is on the suppression list since {}: only the reader's own confirmed "
                    "sign-up brings them back.",
                    s.email, format_iso8601(**suppressed)));
  }
  auto added = ctx.readers->add_subscriber(s);
  if (!added) {
    if (added.error().code == Errc::conflict) {
      return Response::json_error(409, "conflict",
                                  fmt::format("{} is a reader already.", s.email));
    }
    return error_answer(req, added.error());
  }
  if (!attributes.empty()) {
    if (auto st = ctx.directory->set_attributes(added->id, attributes); !st) {
      return error_answer(req, st.error());
    }
  }
  const auto status = confirmed ? SubscriptionStatus::confirmed : SubscriptionStatus::unconfirmed;
  for (Id n : newsletters) {
    if (auto st = ctx.readers->set_subscription(added->id, n, status, "api"); !st) {
      return error_answer(req, st.error());
    }
  }
  (void)ctx.audit.audit(req.principal, "subscriber.add", s.email, "");
  return record_answer(ctx, req, added->id, 201);
}

Response api_get_reader(ApiContext& ctx, const Request& req) {
  if (!readers_served(ctx)) return readers_unavailable();
  auto id = path_id(req);
  if (!id) return Response::json_error(404, "not_found", "No such reader.");
  return record_answer(ctx, req, *id);
}

Response api_update_reader(ApiContext& ctx, const Request& req) {
  if (!readers_served(ctx)) return readers_unavailable();
  auto id = path_id(req);
  if (!id) return Response::json_error(404, "not_found", "No such reader.");
  std::optional<Response> refusal;
  auto parsed = detail::json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object& body = parsed->value.as_object();
  if (auto r = detail::unknown_field(body, {"name", "timezone", "attributes", "status"},
                                     "a reader's name, timezone, attributes and status change.")) {
    return std::move(*r);
  }
  // Everything is checked before anything is written.
  std::optional<std::string> name, zone;
  if (body.contains("name")) {
    auto v = detail::string_field(body, "name", std::nullopt);
    if (!v) return error_answer(req, v.error());
    if (auto st = check_reader_name(*v, "\"name\""); !st) return error_answer(req, st.error());
    name = *v;
  }
  if (body.contains("timezone")) {
    auto v = detail::string_field(body, "timezone", std::nullopt);
    if (!v) return error_answer(req, v.error());
    if (auto st = check_reader_zone(*v, "\"timezone\""); !st) return error_answer(req, st.error());
    zone = *v;
  }
  std::optional<std::vector<ReaderAttribute>> attributes;
  if (body.contains("attributes")) {
    auto a = attributes_of(body.at("attributes"), "\"attributes\"");
    if (!a) return error_answer(req, a.error());
    attributes = std::move(*a);
  }
  std::optional<SubscriberStatus> status;
  if (body.contains("status")) {
    const json::value& v = body.at("status");
    if (v.is_string()) status = subscriber_status_from(v.as_string());
    if (!status) return invalid_field_answer("\"status\" must be active or blocked.");
  }
  auto record = ctx.directory->reader_record(*id);
  if (!record) return error_answer(req, record.error());
  std::vector<std::string> changes;
  if (name && *name != record->reader.subscriber.name) {
    if (auto st = ctx.readers->set_name(*id, *name); !st) return error_answer(req, st.error());
    changes.push_back("name");
  }
  if (zone && *zone != record->reader.subscriber.timezone) {
    if (auto st = ctx.readers->set_timezone(*id, *zone); !st) return error_answer(req, st.error());
    changes.push_back("timezone");
  }
  if (attributes) {
    if (auto st = ctx.directory->set_attributes(*id, *attributes); !st) {
      return error_answer(req, st.error());
    }
    changes.push_back("attributes");
  }
  if (status && *status != record->reader.subscriber.status) {
    if (auto st = ctx.directory->set_reader_status(*id, *status); !st) {
      return error_answer(req, st.error());
    }
    changes.push_back(fmt::format("status {}", to_string(*status)));
  }
  if (!changes.empty()) {
    std::string detail;
    for (const auto& c : changes) detail += (detail.empty() ? "" : ", ") + c;
    (void)ctx.audit.audit(req.principal, "subscriber.update", record->reader.subscriber.email,
                          detail);
  }
  return record_answer(ctx, req, *id);
}

Response api_unsubscribe_reader(ApiContext& ctx, const Request& req) {
  if (!readers_served(ctx)) return readers_unavailable();
  auto id = path_id(req);
  if (!id) return Response::json_error(404, "not_found", "No such reader.");
  Id newsletter = 0;  // every newsletter
  if (!req.body.empty()) {
    std::optional<Response> refusal;
    auto parsed = detail::json_body(req, refusal);
    if (!parsed) return std::move(*refusal);
    const json::object& body = parsed->value.as_object();
    if (auto r = detail::unknown_field(body, {"newsletter"},
                                       "an unsubscribe names a newsletter, or none for all.")) {
      return std::move(*r);
    }
    if (body.contains("newsletter") && !body.at("newsletter").is_null()) {
      auto slug = detail::string_field(body, "newsletter", std::nullopt);
      if (!slug) return error_answer(req, slug.error());
      auto n = newsletter_id(ctx, *slug, "\"newsletter\"");
      if (!n) return error_answer(req, n.error());
      newsletter = *n;
    }
  }
  auto record = ctx.directory->reader_record(*id);
  if (!record) return error_answer(req, record.error());
  auto changed = ctx.signups->unsubscribe(*id, newsletter, "api");
  if (!changed) return error_answer(req, changed.error());
  if (!changed->empty()) {
    (void)ctx.audit.audit(req.principal, "subscriber.unsubscribe",
                          record->reader.subscriber.email,
                          fmt::format("{} newsletter(s)", changed->size()));
  }
  return record_answer(ctx, req, *id);
}

Response api_block_reader(ApiContext& ctx, const Request& req) {
  if (!readers_served(ctx)) return readers_unavailable();
  auto id = path_id(req);
  if (!id) return Response::json_error(404, "not_found", "No such reader.");
  auto record = ctx.directory->reader_record(*id);
  if (!record) return error_answer(req, record.error());
  if (auto st = ctx.directory->set_reader_status(*id, SubscriberStatus::blocked); !st) {
    return error_answer(req, st.error());
  }
  (void)ctx.audit.audit(req.principal, "subscriber.block", record->reader.subscriber.email, "");
  return record_answer(ctx, req, *id);
}

Response api_erase_reader(ApiContext& ctx, const Request& req) {
  if (!readers_served(ctx)) return readers_unavailable();
  auto id = path_id(req);
  if (!id) return Response::json_error(404, "not_found", "No such reader.");
  const std::string actor = req.principal.empty() ? "api" : req.principal;
  if (auto st = ctx.directory->erase_reader(*id, actor); !st) return error_answer(req, st.error());
  return Response::json(200, json::object{{"id", *id}, {"erased", true}});
}

Response api_list_segments(ApiContext& ctx, const Request& req) {
  if (!readers_served(ctx)) return readers_unavailable();
  auto segments = ctx.segments->list_segments();
  if (!segments) return error_answer(req, segments.error());
  json::array out;
  for (const auto& g : *segments) {
    auto count = ctx.directory->count_readers(g.filter);
    if (!count) return error_answer(req, count.error());
    out.push_back(segment_json(g, *count));
  }
  return Response::json(200, json::object{{"segments", std::move(out)}});
}

Response api_add_segment(ApiContext& ctx, const Request& req) {
  if (!readers_served(ctx)) return readers_unavailable();
  std::optional<Response> refusal;
  auto parsed = detail::json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object& body = parsed->value.as_object();
  if (auto r = unknown_segment_field(body)) return std::move(*r);
  if (!body.contains("name")) return invalid_field_answer("\"name\" is required.");
  store::Segment g;
  if (auto st = apply_segment_fields(ctx, body, g); !st) return error_answer(req, st.error());
  auto existing = ctx.segments->list_segments();
  if (!existing) return error_answer(req, existing.error());
  if (existing->size() >= store::kMaxSegments) {
    return Response::json_error(409, "conflict",
                                fmt::format("At most {} segments.", store::kMaxSegments));
  }
  auto added = ctx.segments->add_segment(g);
  if (!added) return error_answer(req, added.error());
  (void)ctx.audit.audit(req.principal, "segment.add", added->name, "");
  return segment_answer(ctx, req, *added, 201);
}

Response api_get_segment(ApiContext& ctx, const Request& req) {
  if (!readers_served(ctx)) return readers_unavailable();
  auto id = path_id(req);
  if (!id) return Response::json_error(404, "not_found", "No such segment.");
  auto g = ctx.segments->segment_by_id(*id);
  if (!g) return error_answer(req, g.error());
  return segment_answer(ctx, req, *g, 200);
}

Response api_update_segment(ApiContext& ctx, const Request& req) {
  if (!readers_served(ctx)) return readers_unavailable();
  auto id = path_id(req);
  if (!id) return Response::json_error(404, "not_found", "No such segment.");
  std::optional<Response> refusal;
  auto parsed = detail::json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object& body = parsed->value.as_object();
  if (auto r = unknown_segment_field(body)) return std::move(*r);
  auto g = ctx.segments->segment_by_id(*id);
  if (!g) return error_answer(req, g.error());
  if (auto st = apply_segment_fields(ctx, body, *g); !st) return error_answer(req, st.error());
  auto updated = ctx.segments->update_segment(*g);
  if (!updated) return error_answer(req, updated.error());
  (void)ctx.audit.audit(req.principal, "segment.update", updated->name, "");
  return segment_answer(ctx, req, *updated, 200);
}

Response api_remove_segment(ApiContext& ctx, const Request& req) {
  if (!readers_served(ctx)) return readers_unavailable();
  auto id = path_id(req);
  if (!id) return Response::json_error(404, "not_found", "No such segment.");
  auto g = ctx.segments->segment_by_id(*id);
  if (!g) return error_answer(req, g.error());
  if (auto st = ctx.segments->remove_segment(*id); !st) {
    if (st.error().code == Errc::conflict) {
      return Response::json_error(409, "in_use", st.error().message);
    }
    return error_answer(req, st.error());
  }
  (void)ctx.audit.audit(req.principal, "segment.remove", g->name, "");
  return Response::json(200, json::object{{"id", *id}, {"removed", true}});
}

Response api_export_readers(ApiContext& ctx, const Request& req) {
  if (!readers_served(ctx)) return readers_unavailable();
  auto filter = filter_of_query(ctx, req);
  if (!filter) return error_answer(req, filter.error());
  Id after = 0;
  if (auto cursor = req.query_param("cursor"); cursor && !cursor->empty()) {
    auto id = id_of_cursor(*cursor);
    if (!id) return invalid_field_answer("\"cursor\" must be the X-Next-Cursor of an export.");
    after = *id;
  }
  auto rows = ctx.directory->find_readers(*filter, after, kExportPageRows);
  if (!rows) return error_answer(req, rows.error());
  std::string out(kReaderCsvHeader);
  for (const auto& s : *rows) append_reader_csv(out, s);
  Response r = Response::text(200, std::move(out), "text/csv; charset=utf-8");
  r.set_header("Content-Disposition", "attachment; filename=\"readers.csv\"");
  if (rows->size() == kExportPageRows) r.set_header("X-Next-Cursor", cursor_of(rows->back().id));
  (void)ctx.audit.audit(req.principal, "export", "readers",
                        fmt::format("{} rows", rows->size()));
  return r;
}

}  // namespace broadsheet::admin
