// `broadsheet subscriber add|list|show|update|remove`. Addresses are matched by mailbox
// (store/mailbox_keys.hpp): any spelling the store counts as the same reader finds them.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "admin/json_shapes.hpp"
#include "admin/reader_fields.hpp"
#include "schedule/schedule.hpp"

namespace broadsheet::cli {

using admin::subscriber_json;
namespace {

struct SubscriberArgs {
  std::string email, name, timezone, newsletter, status;
  std::vector<std::string> newsletters, unsubscribe, resubscribe;
  bool name_given = false, timezone_given = false;
  bool confirmed = false, json = false;
  std::size_t limit = 100;
  Id after = 0;
};

int add(const std::string& data, const SubscriberArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto email = address::parse_email(a.email, ctx->address_policy);
  if (!email) return fail(fmt::format("invalid email address: {}", email.error().message));
  if (auto st = admin::check_reader_name(a.name, "--name"); !st) return fail(st.error());
  if (auto st = admin::check_reader_zone(a.timezone, "--timezone"); !st) return fail(st.error());
  // Resolve every newsletter first, so a typo changes nothing.
  std::vector<Newsletter> targets;
  for (const auto& slug : a.newsletters) {
    auto n = ctx->store->newsletter_by_slug(slug);
    if (!n) return fail(n.error());
    targets.push_back(*n);
  }
  Subscriber s;
  s.email = email->normalized;
  s.email_display = email->display;
  s.name = a.name;
  s.timezone = a.timezone;
  auto existing = ctx->store->subscriber_by_email(s.email);
  Id id = 0;
  if (existing) {
    if (targets.empty()) return fail(fmt::format("{} is already a subscriber", s.email));
    id = existing->subscriber.id;
  } else if (existing.error().code != Errc::not_found) {
    return fail(existing.error());
  } else {
    auto added = ctx->store->add_subscriber(s);
    if (!added) return fail(added.error());
    id = added->id;
  }
  auto status = a.confirmed ? SubscriptionStatus::confirmed : SubscriptionStatus::unconfirmed;
  std::vector<Subscription> current;
  if (existing) {
    current = existing->subscriptions;
    if (!a.timezone.empty()) {
      if (auto st = ctx->store->set_timezone(id, a.timezone); !st) return fail(st.error());
    }
    if (!a.name.empty() && a.name != existing->subscriber.name) {
      std::cerr << "broadsheet: note: the existing name \"" << existing->subscriber.name
                << "\" was kept\n";
    }
  }
  for (const auto& n : targets) {
    // Adding someone again must never take back a confirmation they gave.
    bool confirmed_already =
        std::any_of(current.begin(), current.end(), [&](const Subscription& sub) {
          return sub.newsletter_id == n.id && sub.status == SubscriptionStatus::confirmed;
        });
    if (confirmed_already) continue;
    if (auto st = ctx->store->set_subscription(id, n.id, status, "cli"); !st) return fail(st.error());
  }
  (void)ctx->store->audit("cli", "subscriber.add", s.email, "");
  std::cout << fmt::format("added {}{}\n", s.email,
                           targets.empty() ? "" : fmt::format(" to {} newsletter(s) ({})",
                                                              targets.size(), to_string(status)));
  return kExitOk;
}

int list(const std::string& data, const SubscriberArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto filter = subscriber_filter(*ctx->store, a.newsletter, a.status);
  if (!filter) return fail(filter.error());
  store::SubscriberQuery q = *filter;
  q.after_id = a.after;
  q.limit = a.limit;
  auto rows = ctx->store->list_subscribers(q);
  if (!rows) return fail(rows.error());
  if (a.json) {
    boost::json::array out;
    for (const auto& s : *rows) out.push_back(subscriber_json(s));
    std::cout << boost::json::serialize(out) << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("{:<8} {:<40} {:<24} {}\n", "ID", "EMAIL", "NAME", "TIMEZONE");
  for (const auto& s : *rows) {
    std::cout << fmt::format("{:<8} {:<40} {:<24} {}\n", s.id, s.email_display, s.name, s.timezone);
  }
  if (rows->size() == a.limit) {
    std::cout << fmt::format("(more: --after {})\n", rows->back().id);
  }
  return kExitOk;
}

int show(const std::string& data, const SubscriberArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto email = address::parse_email(a.email, ctx->address_policy);
  std::string key = email ? email->normalized : a.email;
  auto s = ctx->store->subscriber_by_email(key);
  if (!s) {
    if (s.error().code == Errc::not_found) return fail(fmt::format("no subscriber {}", key));
    return fail(s.error());
  }
  auto events = ctx->store->bounce_events_of_subscriber(s->subscriber.id, 100);
  if (!events) return fail(events.error());
  auto suppressed = ctx->store->suppressed_since(key);
  if (!suppressed) return fail(suppressed.error());
  if (a.json) {
    auto out = subscriber_json(*s);
    out["bounces"] = admin::bounce_events_json(*events);
    out["suppressed_since"] =
        *suppressed ? boost::json::value(format_iso8601(**suppressed)) : boost::json::value(nullptr);
    std::cout << boost::json::serialize(out) << "\n";
    return kExitOk;
  }
  const auto& sub = s->subscriber;
  std::cout << fmt::format("email:    {}\nname:     {}\ntimezone: {}\nstatus:   {}\nsince:    {}\n",
                           sub.email_display, sub.name, sub.timezone, to_string(sub.status),
                           format_iso8601(sub.created_at));
  for (const auto& x : s->subscriptions) {
    // The time of the status shown: an unsubscribe is dated when the reader left.
    const UnixSeconds since = x.status == SubscriptionStatus::unsubscribed && x.unsubscribed_at
                                  ? *x.unsubscribed_at
                                  : x.created_at;
    std::cout << fmt::format("  {:<24} {:<12} since {}\n", x.newsletter_slug, to_string(x.status),
                             format_iso8601(since));
  }
  if (!s->attributes.empty()) std::cout << "attributes:\n";
  for (const auto& attr : s->attributes) {
    std::cout << fmt::format("  {}: {}\n", attr.key, attr.value);
  }
  if (*suppressed) {
    std::cout << fmt::format("suppressed: since {} (never sent to; `broadsheet suppression "
                             "remove` lifts it)\n",
                             format_iso8601(**suppressed));
  }
  if (!events->empty()) std::cout << "bounces:\n" << bounce_event_lines(*events);
  return kExitOk;
}

int remove(const std::string& data, const SubscriberArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto email = address::parse_email(a.email, ctx->address_policy);
  std::string key = email ? email->normalized : a.email;
  if (auto st = ctx->store->remove_subscriber(key); !st) {
    if (st.error().code == Errc::not_found) return fail(fmt::format("no subscriber {}", key));
    return fail(st.error());
  }
  (void)ctx->store->audit("cli", "subscriber.remove", key, "suppressed");
  std::cout << fmt::format(
      "removed {}: their subscriptions, consent records and queued emails are deleted\n"
      "kept: a suppression of the address (a hash, not the address itself), so imports and "
      "`subscriber add` skip it; the reader's own confirmed sign-up lifts it\n",
      key);
  return kExitOk;
}

// Erases a reader's personal data for good (store::ReaderDirectory::erase_reader).
int erase_subscriber(const std::string& data, const SubscriberArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto email = address::parse_email(a.email, ctx->address_policy);
  std::string key = email ? email->normalized : a.email;
  auto reader = ctx->store->subscriber_by_email(key);
  if (!reader) {
    if (reader.error().code == Errc::not_found) return fail(fmt::format("no subscriber {}", key));
    return fail(reader.error());
  }
  const Id id = reader->subscriber.id;
  if (auto st = ctx->store->erase_reader(id, "cli"); !st) return fail(st.error());
  std::cout << fmt::format(
      "erased subscriber {}: address, name, time zone, attributes, the network addresses of "
      "their consents and the relay replies quoting them are gone for good\n"
      "kept: their deliveries, consent records and bounces as counts (the reader is now "
      "\"erased:{}\"), and a hash of the address among the suppressions, so an old file "
      "imported again does not subscribe them\n",
      id, id);
  return kExitOk;
}

// Changes one reader field by field; every newsletter is resolved (and every value
// checked) before anything is written, so a typo changes nothing.
int update(const std::string& data, const SubscriberArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  if (!a.name_given && !a.timezone_given && a.unsubscribe.empty() && a.resubscribe.empty()) {
    return fail("nothing to change: give --name, --timezone, --unsubscribe or --resubscribe");
  }
  auto email = address::parse_email(a.email, ctx->address_policy);
  std::string key = email ? email->normalized : a.email;
  auto reader = ctx->store->subscriber_by_email(key);
  if (!reader) {
    if (reader.error().code == Errc::not_found) return fail(fmt::format("no subscriber {}", key));
    return fail(reader.error());
  }
  if (a.name_given) {
    if (auto st = admin::check_reader_name(a.name, "--name"); !st) return fail(st.error());
  }
  if (a.timezone_given) {
    if (auto st = admin::check_reader_zone(a.timezone, "--timezone"); !st) return fail(st.error());
  }
  auto resolve = [&](const std::vector<std::string>& slugs) -> Result<std::vector<Newsletter>> {
    std::vector<Newsletter> out;
    for (const auto& slug : slugs) {
      auto n = ctx->store->newsletter_by_slug(slug);
      if (!n) {
        if (n.error().code == Errc::not_found) {
          return make_error(Errc::not_found, fmt::format("no newsletter {}", slug));
        }
        return n.error();
      }
      out.push_back(*n);
    }
    return out;
  };
  auto leaving = resolve(a.unsubscribe);
  if (!leaving) return fail(leaving.error());
  auto returning = resolve(a.resubscribe);
  if (!returning) return fail(returning.error());
  for (const auto& n : *leaving) {
    for (const auto& r : *returning) {
      if (n.id == r.id)
        return fail(fmt::format("{} is both to unsubscribe and to resubscribe", n.slug));
    }
  }

  const Subscriber& sub = reader->subscriber;
  std::vector<std::string> changes;
  if (a.name_given && a.name != sub.name) {
    if (auto st = ctx->store->set_name(sub.id, a.name); !st) return fail(st.error());
    changes.push_back(fmt::format("name \"{}\"", a.name));
  }
  if (a.timezone_given && a.timezone != sub.timezone) {
    if (auto st = ctx->store->set_timezone(sub.id, a.timezone); !st) return fail(st.error());
    changes.push_back(fmt::format("timezone \"{}\"", a.timezone));
  }
  auto current = [&](Id newsletter_id) -> const Subscription* {
    for (const auto& x : reader->subscriptions) {
      if (x.newsletter_id == newsletter_id) return &x;
    }
    return nullptr;
  };
  for (const auto& n : *leaving) {
    const Subscription* x = current(n.id);
    if (!x || x->status == SubscriptionStatus::unsubscribed) {
      std::cout << fmt::format("{} was not subscribed to {}\n", sub.email_display, n.slug);
      continue;
    }
    auto changed = ctx->store->unsubscribe(sub.id, n.id, "cli");
    if (!changed) return fail(changed.error());
    changes.push_back(fmt::format("unsubscribed from {}", n.slug));
  }
  for (const auto& n : *returning) {
    const Subscription* x = current(n.id);
    if (x && x->status != SubscriptionStatus::unsubscribed) {
      std::cout << fmt::format("{} is already subscribed to {} ({})\n", sub.email_display, n.slug,
                               to_string(x->status));
      continue;
    }
    // Only consent the reader gave before comes back confirmed; a reader who never
    // confirmed is back as unconfirmed and gets nothing until they do.
    const auto status =
        x && x->confirmed_at ? SubscriptionStatus::confirmed : SubscriptionStatus::unconfirmed;
    if (auto st = ctx->store->set_subscription(sub.id, n.id, status, "cli"); !st) {
      return fail(st.error());
    }
    changes.push_back(fmt::format("resubscribed to {} ({})", n.slug, to_string(status)));
  }
  if (changes.empty()) {
    std::cout << fmt::format("{}: nothing changed\n", sub.email_display);
    return kExitOk;
  }
  std::string detail;
  for (const auto& c : changes) detail += (detail.empty() ? "" : "; ") + c;
  (void)ctx->store->audit("cli", "subscriber.update", sub.email, detail);
  std::cout << fmt::format("updated {}: {}\n", sub.email_display, detail);
  return kExitOk;
}

}  // namespace

void add_subscriber_commands(CLI::App& app, Invocation& invocation) {
  auto* group = app.add_subcommand("subscriber", "Add, list, show, update, remove and erase subscribers");
  group->require_subcommand(1);
  static SubscriberArgs a;

  auto* add_cmd = group->add_subcommand("add", "Add a subscriber, optionally to newsletters");
  auto& add_data = add_data_option(add_cmd);
  add_cmd->add_option("email", a.email, "Email address")->required();
  add_cmd->add_option("--name", a.name, "Name");
  add_cmd->add_option("--timezone", a.timezone, "IANA time zone, e.g. Europe/Paris");
  add_cmd->add_option("--newsletter", a.newsletters, "Subscribe to this newsletter (repeatable)");
  add_cmd->add_flag("--confirmed", a.confirmed, "Subscriptions start confirmed (consent given elsewhere)");
  add_cmd->callback([&] { invocation.exit_code = add(add_data, a); });

  auto* list_cmd = group->add_subcommand("list", "List subscribers, oldest first");
  auto& list_data = add_data_option(list_cmd);
  list_cmd->add_option("--newsletter", a.newsletter, "Only subscribers of this newsletter");
  list_cmd->add_option("--status", a.status, "With --newsletter: unconfirmed, confirmed or unsubscribed");
  list_cmd->add_option("--limit", a.limit, "At most this many")->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  list_cmd->add_option("--after", a.after, "Start after this subscriber id (paging)");
  list_cmd->add_flag("--json", a.json, "Print a JSON array");
  list_cmd->callback([&] { invocation.exit_code = list(list_data, a); });

  auto* show_cmd = group->add_subcommand("show", "Show a subscriber and their subscriptions");
  auto& show_data = add_data_option(show_cmd);
  show_cmd->add_option("email", a.email, "Email address")->required();
  show_cmd->add_flag("--json", a.json, "Print JSON");
  show_cmd->callback([&] { invocation.exit_code = show(show_data, a); });

  auto* update_cmd =
      group->add_subcommand("update", "Change a subscriber's name, time zone or subscriptions");
  auto& update_data = add_data_option(update_cmd);
  update_cmd->add_option("email", a.email, "Email address")->required();
  update_cmd->add_option("--name", a.name, "New name (\"\" to clear)");
  update_cmd->add_option("--timezone", a.timezone,
                         "IANA time zone, e.g. Europe/Paris (\"\" to clear)");
  update_cmd->add_option("--unsubscribe", a.unsubscribe,
                         "Unsubscribe from this newsletter (repeatable)");
  update_cmd->add_option("--resubscribe", a.resubscribe,
                         "Subscribe again to this newsletter (repeatable); confirmed only if the "
                         "reader had confirmed it before");
  update_cmd->callback([&, update_cmd] {
    a.name_given = update_cmd->count("--name") > 0;
    a.timezone_given = update_cmd->count("--timezone") > 0;
    invocation.exit_code = update(update_data, a);
  });

  auto* remove_cmd =
      group->add_subcommand("remove", "Remove a subscriber; their address stays suppressed");
  auto& remove_data = add_data_option(remove_cmd);
  remove_cmd->add_option("email", a.email, "Email address")->required();
  remove_cmd->callback([&] { invocation.exit_code = remove(remove_data, a); });

  auto* erase_cmd = group->add_subcommand(
      "erase", "Erase a subscriber's personal data for good (GDPR), keeping the counts");
  auto& erase_data = add_data_option(erase_cmd);
  erase_cmd->add_option("email", a.email, "Email address")->required();
  erase_cmd->callback([&] { invocation.exit_code = erase_subscriber(erase_data, a); });
}

}  // namespace broadsheet::cli
