// `broadsheet issue test ID --to a@x,b@y [--name NAME]`: the issue sent to the given
// addresses as pretend readers (send/test_send.hpp), through the configured transport,
// with "[TEST] " before the subject; nothing is recorded. Prints, per address, what the
// relay (or the outbox) said. Exit 0 when every address was accepted, 1 otherwise.
#include <fmt/format.h>

#include <iostream>

#include "cli/context.hpp"
#include "cli/issue_commands.hpp"
#include "cli/sending.hpp"
#include "send/test_send.hpp"
#include "web/signup.hpp"

namespace broadsheet::cli {
namespace {

struct TestArgs {
  Id id = 0;
  std::vector<std::string> to;
  std::string name;
};

const char* result_name(transport::DeliveryResult::Kind kind) {
  switch (kind) {
    case transport::DeliveryResult::Kind::delivered:
      return "accepted";
    case transport::DeliveryResult::Kind::deferred:
    case transport::DeliveryResult::Kind::not_sent:  // the transport was stopping
      return "deferred";
    case transport::DeliveryResult::Kind::failed:
      return "refused";
  }
  return "?";
}

int test_send(const std::string& data, const TestArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  default_base_url(ctx->config);
  auto keys = web::load_reader_keys(ctx->config);
  if (!keys) return fail(keys.error());
  auto sending = open_sending(ctx->config, std::move(keys->link_key));
  if (!sending) return fail(sending.error());
  send::TestSender sender(sending->messages, sending->transport(), *ctx->store, *ctx->store,
                          ctx->address_policy, SystemClock::instance());
  auto results = sender.send(a.id, a.to, a.name);
  if (sending->pool) sending->pool->stop();
  if (!results) return fail(results.error());
  bool all = true;
  for (const auto& r : *results) {
    all = all && r.result.kind == transport::DeliveryResult::Kind::delivered;
    std::cout << fmt::format("{}: {} via {}: {}\n", r.to, result_name(r.result.kind),
                             sending->description, r.result.reply);
  }
  return all ? kExitOk : kExitFailure;
}

}  // namespace

void add_issue_test_command(CLI::App& group, Invocation& invocation) {
  static TestArgs a;
  auto* cmd = group.add_subcommand(
      "test",
      "Send the issue to a few addresses, as pretend readers, with [TEST] before the "
      "subject; nothing is recorded");
  auto& data = add_data_option(cmd);
  cmd->add_option("id", a.id, "The issue's id")->required();
  cmd->add_option("--to", a.to, "Addresses, separated by commas (at most 20)")
      ->required()
      ->delimiter(',');
  cmd->add_option("--name", a.name, "The pretend reader's name (empty: the name's default)");
  cmd->callback([&] { invocation.exit_code = test_send(data, a); });
}

}  // namespace broadsheet::cli
