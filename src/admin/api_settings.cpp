#include "admin/api_settings.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "admin/api_common.hpp"
#include "config/dkim_keys.hpp"
#include "dkim/dns_check.hpp"
#include "smtp/smtp.hpp"
#include "transport/outbox_reader.hpp"

namespace broadsheet::admin {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

constexpr std::size_t kOutboxPage = 50;
constexpr std::size_t kMaxOutboxPage = 200;
constexpr std::size_t kMaxOutboxOffset = 100'000;
constexpr std::size_t kOutboxHeadBytes = 64 * 1024;  // enough for a message's header

Response no_configuration() {
  return Response::json_error(503, "unavailable",
                              "The settings are not available on this server.");
}

std::string outbox_dir(const Config& config) {
  return (std::filesystem::path(config.data_dir) / "outbox").string();
}

}  // namespace

Response api_relay_test(ApiContext& ctx, const Request& req) {
  (void)req;
  if (ctx.config == nullptr) return no_configuration();
  const Config& config = *ctx.config;
  if (config.transport != "smtp") {
    return Response::json(
        200, json::object{{"transport", config.transport},
                          {"relays", json::array{}},
                          {"what", "transport = \"outbox\": messages are written to "
                                   "DATA/outbox, no relay is used"}});
  }
  auto options = smtp::pool_options_from(config);
  if (!options) {
    return Response::json_error(422, "invalid_configuration", options.error().message);
  }
  for (auto* limit : {&options->timeouts.connect, &options->timeouts.mail}) {
    *limit = std::min<smtp::Timeouts::Duration>(*limit, kRelayTestTimeout);
  }
  options->threads = 1;
  const std::size_t expected = options->relays.size();
  auto pool = smtp::Pool::start(std::move(*options));
  if (!pool) return Response::json_error(422, "invalid_configuration", pool.error().message);
  std::mutex mu;
  std::condition_variable done;
  std::vector<smtp::Pool::RelayCheck> checks;
  (*pool)->check_relays([&](const smtp::Pool::RelayCheck& c) {
    std::lock_guard lock(mu);
    checks.push_back(c);
    done.notify_all();
  });
  {
    std::unique_lock lock(mu);
    // Connect and then each step may take its timeout; a little more for the last.
    done.wait_for(lock, 3 * kRelayTestTimeout + std::chrono::seconds(5),
                  [&] { return checks.size() == expected; });
  }
  (*pool)->stop();
  json::array relays;
  std::lock_guard lock(mu);
  for (const auto& c : checks) {
    json::array steps;
    for (const auto& [step, reply] : c.steps) {
      steps.push_back(json::object{{"step", step}, {"reply", reply}});
    }
    relays.push_back(json::object{{"relay", c.relay},
                                  {"ok", c.ok},
                                  {"configuration", c.configuration},
                                  {"what", c.what},
                                  {"steps", std::move(steps)}});
  }
  return Response::json(200, json::object{{"transport", "smtp"}, {"relays", std::move(relays)}});
}

Response api_dkim_keys(ApiContext& ctx, const Request& req) {
  if (ctx.config == nullptr || ctx.messages == nullptr) return no_configuration();
  auto check_text = req.query_param("check").value_or("false");
  if (check_text != "true" && check_text != "false") {
    return Response::json_error(400, "invalid_field", "\"check\" must be true or false.");
  }
  const bool check = check_text == "true";
  const address::MxOptions dns{.timeout = std::chrono::milliseconds(5000),
                               .dns_servers = ctx.config->mail.dns_servers};
  json::array keys;
  if (!ctx.messages->signer.empty()) {
    for (const auto& k : ctx.messages->signer.keys()) {
      json::object key{{"domain", k.domain},
                       {"selector", k.selector},
                       {"algorithm", std::string(dkim_algorithm_name(k.key.algorithm))},
                       {"record_name", dkim::dkim_record_name(k.selector, k.domain)},
                       {"txt_record", dkim::dkim_txt_record(k.key)},
                       {"zone_line", dkim::dkim_zone_line(k.selector, k.domain, k.key)}};
      if (check) {
        auto found = dkim::check_published_key(k, dns);
        key["published"] = json::object{{"ok", found.ok}, {"verdict", found.verdict}};
      }
      keys.push_back(std::move(key));
    }
  }
  return Response::json(200, json::object{{"keys", std::move(keys)}});
}

Response api_outbox_list(ApiContext& ctx, const Request& req) {
  if (ctx.config == nullptr) return no_configuration();
  std::optional<Response> refusal;
  auto limit = detail::bounded_number(req, "limit", kOutboxPage, 1, kMaxOutboxPage, refusal);
  if (!limit) return std::move(*refusal);
  auto offset = detail::bounded_number(req, "offset", 0, 0, kMaxOutboxOffset, refusal);
  if (!offset) return std::move(*refusal);
  const std::string dir = outbox_dir(*ctx.config);
  // One more than the page, to know whether another follows.
  const auto first = static_cast<std::size_t>(*offset);
  const auto count = static_cast<std::size_t>(*limit);
  auto newest = transport::list_outbox(dir, first + count + 1);
  if (!newest && newest.error().code != Errc::not_found) {
    return detail::error_answer(req, newest.error());
  }
  std::vector<transport::OutboxEntry> none;
  const auto& all = newest ? *newest : none;
  json::array messages;
  for (std::size_t i = first; i < all.size() && i < first + count; ++i) {
    const auto& e = all[i];
    json::object m{{"name", e.name}, {"bytes", e.size}, {"received_at", format_iso8601(e.mtime)}};
    auto head = transport::read_outbox_message(dir, e.name, kOutboxHeadBytes);
    m["to"] = head ? transport::outbox_header(*head, "To") : "";
    m["subject"] = head ? transport::outbox_header(*head, "Subject") : "";
    messages.push_back(std::move(m));
  }
  const std::size_t next = first + count;
  return Response::json(
      200, json::object{{"transport", ctx.config->transport},
                        {"messages", std::move(messages)},
                        {"next_offset", next < all.size() ? json::value(next) : nullptr}});
}

Response api_outbox_message(ApiContext& ctx, const Request& req) {
  if (ctx.config == nullptr) return no_configuration();
  auto text = transport::read_outbox_message(outbox_dir(*ctx.config), req.params.at("name"));
  if (!text) {
    if (text.error().code == Errc::not_found) {
      return Response::json_error(404, "not_found", "There is no such message in the outbox.");
    }
    if (text.error().code == Errc::invalid_argument) {
      return Response::json_error(400, "invalid_field",
                                  "{name}: " + text.error().message + ".");
    }
    return detail::error_answer(req, text.error());
  }
  return Response::text(200, std::move(*text));
}

}  // namespace broadsheet::admin
