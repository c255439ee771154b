#include "admin/api_newsletters.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "admin/api_common.hpp"
#include "admin/json_shapes.hpp"
#include "admin/newsletter_input.hpp"
#include "core/text.hpp"
#include "drafts/maker.hpp"
#include "render/body_fields.hpp"
#include "schedule/editions.hpp"

namespace broadsheet::admin {
namespace {

namespace json = boost::json;
using detail::error_answer;
using detail::json_body;
using http::Request;
using http::Response;

constexpr std::size_t kNextEditions = 5;

// The 400 refusal of a field a newsletter does not have; the slug only when adding.
std::optional<Response> unknown_newsletter_field(const json::object& body, bool adding) {
  for (const auto& field : body) {
    if (adding && field.key() == "slug") continue;
    if (auto r = detail::unknown_field(
            json::object{{field.key(), nullptr}},
            {"name", "description", "schedule", "from", "opt_in", "public", "welcome_subject",
             "welcome_body", "default_timezone", "draft_from_feeds", "draft_items",
             "draft_sections", "draft_lead", "on_cutoff"},
            adding ? "see POST /api/v1/newsletters in /api/v1/openapi.json."
                   : "see PATCH /api/v1/newsletters/{slug} in /api/v1/openapi.json.")) {
      return r;
    }
  }
  return std::nullopt;
}

Response invalid_field(std::string message) {
  return Response::json_error(400, "invalid_field", std::move(message));
}

// The JSON body's fields as NewsletterFields (types checked here, values by
// check_newsletter_fields); `refusal` set when a field has the wrong type.
NewsletterFields fields_of(const json::object& body, std::optional<Response>& refusal) {
  NewsletterFields f;
  auto text = [&](std::string_view key, std::optional<std::string>& out, bool nullable) {
    const json::value* v = body.if_contains(key);
    if (!v || refusal) return;
    if (v->is_null() && nullable) {
      out = std::string();
    } else if (v->is_string()) {
      out = std::string(v->as_string());
    } else {
      refusal = invalid_field(fmt::format("\"{}\" must be a string", key));
    }
  };
  auto flag = [&](std::string_view key, std::optional<bool>& out) {
    const json::value* v = body.if_contains(key);
    if (!v || refusal) return;
    if (!v->is_bool()) {
      refusal = invalid_field(fmt::format("\"{}\" must be true or false", key));
      return;
    }
    out = v->as_bool();
  };
  text("name", f.name, false);
  text("description", f.description, false);
  text("schedule", f.schedule, false);
  text("from", f.from, false);
  text("opt_in", f.opt_in, false);
  text("welcome_subject", f.welcome_subject, false);
  text("welcome_body", f.welcome_body, false);
  text("default_timezone", f.default_timezone, true);
  text("on_cutoff", f.on_cutoff, false);
  flag("public", f.is_public);
  flag("draft_from_feeds", f.draft_from_feeds);
  if (refusal) return f;
  if (const json::value* v = body.if_contains("draft_items")) {
    if (!v->is_int64() || v->as_int64() < kMinDraftItems || v->as_int64() > kMaxDraftItems) {
      refusal = invalid_field(fmt::format("\"draft_items\" must be a number from {} to {}",
                                          kMinDraftItems, kMaxDraftItems));
      return f;
    }
    f.draft_items = static_cast<int>(v->as_int64());
  }
  if (const json::value* v = body.if_contains("draft_lead")) {
    if (v->is_int64()) {
      f.draft_lead = std::to_string(v->as_int64());
    } else if (v->is_string()) {
      f.draft_lead = std::string(v->as_string());
    } else {
      refusal = invalid_field("\"draft_lead\" must be a lead such as \"3h\" or seconds");
      return f;
    }
  }
  if (const json::value* v = body.if_contains("draft_sections")) {
    if (!v->is_array() || v->as_array().size() > kMaxDraftSections) {
      refusal = invalid_field(fmt::format(
          "\"draft_sections\" must be an array of at most {} section names", kMaxDraftSections));
      return f;
    }
    std::vector<std::string> names;
    for (const auto& name : v->as_array()) {
      if (!name.is_string() || name.as_string().empty() ||
          std::string_view(name.as_string()).find(',') != std::string_view::npos) {
        refusal = invalid_field("\"draft_sections\": each section is a name without commas");
        return f;
      }
      names.emplace_back(name.as_string());
    }
    f.draft_sections = join_sections(names);
  }
  return f;
}

// The newsletter as GET shows it: its fields, the welcome body, the next editions.
json::object full_newsletter(const ApiContext& ctx, const Newsletter& n) {
  auto out = newsletter_json(n);
  out["welcome_body"] = n.welcome_body;
  json::array next;
  for (auto& day : next_editions(n, ctx.clock.now(), kNextEditions)) next.emplace_back(day);
  out["next_editions"] = std::move(next);
  return out;
}

Response no_newsletter(const Request& req) {
  return Response::json_error(
      404, "not_found",
      fmt::format("There is no newsletter \"{}\".", excerpt(req.params.at("slug"), 64)));
}

// The newsletter of the route's {slug}; the refusal when there is none.
Result<Newsletter> route_newsletter(ApiContext& ctx, const Request& req,
                                    std::optional<Response>& refusal) {
  auto n = ctx.newsletters.newsletter_by_slug(req.params.at("slug"));
  if (!n) refusal = n.error().code == Errc::not_found ? no_newsletter(req) : error_answer(req, n.error());
  return n;
}

}  // namespace

drafts::MakerParts draft_maker_parts(store::Store& s, const Config& config) {
  return drafts::MakerParts{s,
                            s,
                            s,
                            s,
                            s,
                            s,
                            config.data_dir,
                            config.publication.timezone,
                            config.schedule.late_window,
                            [](std::string_view body) { return render::check_issue_body(body); }};
}

Response api_get_newsletter(ApiContext& ctx, const Request& req) {
  std::optional<Response> refusal;
  auto n = route_newsletter(ctx, req, refusal);
  if (!n) return std::move(*refusal);
  return Response::json(200, full_newsletter(ctx, *n));
}

Response api_create_newsletter(ApiContext& ctx, const Request& req) {
  std::optional<Response> refusal;
  auto parsed = json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object& body = parsed->value.as_object();
  if (auto r = unknown_newsletter_field(body, true)) return std::move(*r);
  auto slug = detail::string_field(body, "slug", std::nullopt);
  if (!slug) return invalid_field(slug.error().message);
  auto fields = fields_of(body, refusal);
  if (refusal) return std::move(*refusal);
  auto update = check_newsletter_fields(fields, json_name);
  if (!update) return invalid_field(update.error().message);
  auto n = new_newsletter(*slug, *update, json_name);
  if (!n) return invalid_field(n.error().message);
  if (auto st = check_drafting_schedule(*n, {}, json_name); !st) {
    return invalid_field(st.error().message);
  }
  auto added = ctx.newsletters.add_newsletter(*n);
  if (!added) {
    if (added.error().code == Errc::conflict) {
      return Response::json_error(409, "conflict",
                                  fmt::format("The slug \"{}\" is taken.", n->slug));
    }
    return error_answer(req, added.error());
  }
  (void)ctx.audit.audit(req.principal, "newsletter.add", added->slug, added->name);
  return Response::json(201, full_newsletter(ctx, *added));
}

Response api_update_newsletter(ApiContext& ctx, const Request& req) {
  std::optional<Response> refusal;
  auto parsed = json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object& body = parsed->value.as_object();
  if (auto r = unknown_newsletter_field(body, false)) return std::move(*r);
  auto fields = fields_of(body, refusal);
  if (refusal) return std::move(*refusal);
  auto update = check_newsletter_fields(fields, json_name);
  if (!update) return invalid_field(update.error().message);
  auto current = route_newsletter(ctx, req, refusal);
  if (!current) return std::move(*refusal);
  if (auto st = check_drafting_schedule(*current, *update, json_name); !st) {
    return invalid_field(st.error().message);
  }
  auto n = ctx.newsletters.update_newsletter(current->slug, *update);
  if (!n) return error_answer(req, n.error());
  (void)ctx.audit.audit(req.principal, "newsletter.update", n->slug, "");
  return Response::json(200, full_newsletter(ctx, *n));
}

Response api_draft_edition(ApiContext& ctx, const Request& req) {
  if (ctx.drafts == nullptr) {
    return Response::json_error(503, "unavailable", "Drafts are not available on this server.");
  }
  std::optional<Response> refusal;
  auto parsed = json_body(req, refusal);
  if (!parsed) return std::move(*refusal);
  const json::object& body = parsed->value.as_object();
  if (auto r = detail::unknown_field(body, {"edition"}, "a draft takes \"edition\".")) {
    return std::move(*r);
  }
  auto edition = detail::string_field(body, "edition", std::nullopt);
  if (!edition) return invalid_field(edition.error().message);
  auto day = schedule::parse_day(*edition);
  if (!day) {
    return Response::json_error(422, "invalid_edition",
                                "\"edition\": " + day.error().message);
  }
  auto n = route_newsletter(ctx, req, refusal);
  if (!n) return std::move(*refusal);
  auto made = drafts::make_draft_now(*ctx.drafts, *n, *day, ctx.clock.now());
  if (!made) {
    switch (made.error().code) {
      case Errc::invalid_argument:
        return Response::json_error(422, "invalid_edition", made.error().message);
      case Errc::conflict:
        return Response::json_error(409, "edition_taken", made.error().message);
      case Errc::not_found:
        return Response::json_error(422, "no_articles", made.error().message);
      default:
        return error_answer(req, made.error());
    }
  }
  auto out = issue_json(*made);
  out["body_markdown"] = made->body_markdown;
  return Response::json(201, out);
}

}  // namespace broadsheet::admin
