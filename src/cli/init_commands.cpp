// `broadsheet init` (create a data folder) and `broadsheet demo` (load the fictional
// publication). Both are idempotent: what exists is kept, what is missing is made, and
// init leaves every data and secret file readable by its owner alone whatever modes it
// found (cli/private_files.hpp).
#include <fmt/format.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/demo_content.hpp"
#include "cli/private_files.hpp"
#include "core/encoding.hpp"
#include "dkim/key.hpp"

namespace broadsheet::cli {
namespace {

namespace fs = std::filesystem;

// 32 random bytes, hex: the key that signs links in emails (confirm, unsubscribe).
std::string random_key_hex() {
  std::array<std::uint8_t, 32> key{};
  randombytes_buf(key.data(), key.size());
  return to_hex(key) + "\n";
}

int run_init(const std::string& data) {
  if (sodium_init() < 0) return fail("libsodium could not initialise");
  fs::path dir(data);
  std::error_code ec;
  // Check the configuration the environment implies before writing anything, so a bad
  // value leaves no half-made folder behind.
  if (!fs::exists(dir / "broadsheet.toml")) {
    auto preview = load_config(data, process_env());  // defaults and the environment
    if (!preview) return fail(preview.error());
  }
  fs::create_directories(dir, ec);
  if (ec) return fail(fmt::format("cannot create {}: {}", data, ec.message()));
  fs::permissions(dir, fs::perms::owner_all, ec);
  if (ec) return fail(fmt::format("cannot restrict {}: {}", data, ec.message()));

  auto config_path = dir / "broadsheet.toml";
  if (fs::exists(config_path)) {
    std::cout << fmt::format("kept {}\n", config_path.string());
  } else {
    // It may come to name smtp.password: private from the start.
    if (auto st = dkim::write_private_file(config_path.string(), default_config_toml()); !st) {
      return fail(st.error());
    }
    std::cout << fmt::format("wrote {}\n", config_path.string());
  }

  auto config = load_config(data, process_env());
  if (!config) return fail(config.error());
  fs::path secrets = dir / config->secrets_dir;
  fs::create_directories(secrets, ec);
  if (ec) return fail(fmt::format("cannot create {}: {}", secrets.string(), ec.message()));
  fs::permissions(secrets, fs::perms::owner_all, ec);
  if (ec) return fail(fmt::format("cannot restrict {}: {}", secrets.string(), ec.message()));
  auto key_path = secrets / "hmac.key";
  if (fs::exists(key_path)) {
    std::cout << fmt::format("kept {}\n", key_path.string());
  } else {
    if (auto st = dkim::write_private_file(key_path.string(), random_key_hex()); !st)
      return fail(st.error());
    std::cout << fmt::format("wrote {} (mode 0600)\n", key_path.string());
  }

  auto store = open_database(*config, data);
  if (!store) return fail(store.error());
  auto version = (*store)->schema_version();
  if (!version) return fail(version.error());
  if (auto st = make_private(*config, data); !st) return fail(st.error());
  std::cout << fmt::format("database {} is at schema version {}\n", config->database, *version);
  return kExitOk;
}

int run_demo(const std::string& data) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  store::Store& store = *ctx->store;
  std::size_t newsletters = 0, articles = 0, readers = 0;
  for (const auto& n : demo_newsletters()) {
    auto added = store.add_newsletter(n);
    if (added) {
      ++newsletters;
    } else if (added.error().code != Errc::conflict) {
      return fail(added.error());
    }
  }
  for (const auto& a : demo_articles(SystemClock::instance().now())) {
    auto added = store.add_article(a);
    if (added) {
      ++articles;
    } else if (added.error().code != Errc::conflict) {
      return fail(added.error());
    }
  }
  for (const auto& r : demo_readers()) {
    auto email = address::parse_email(r.email, ctx->address_policy);
    if (!email) return fail(fmt::format("demo reader {}: {}", r.email, email.error().message));
    Subscriber s;
    s.email = email->normalized;
    s.email_display = email->display;
    s.name = r.name;
    s.timezone = r.timezone;
    auto added = store.add_subscriber(s);
    if (!added) {
      if (added.error().code == Errc::conflict) continue;
      return fail(added.error());
    }
    ++readers;
    for (const char* slug : r.newsletters) {
      auto n = store.newsletter_by_slug(slug);
      if (!n) return fail(n.error());
      if (auto st = store.set_subscription(added->id, n->id, SubscriptionStatus::confirmed, "demo");
          !st) {
        return fail(st.error());
      }
    }
  }
  (void)store.audit("cli", "demo", data, "");
  std::cout << fmt::format("demo loaded: {} newsletters, {} articles, {} readers added\n",
                           newsletters, articles, readers);
  return kExitOk;
}

}  // namespace

void add_init_commands(CLI::App& app, Invocation& invocation) {
  auto* init = app.add_subcommand(
      "init", "Create the data folder: configuration, database and secrets");
  auto& init_data = add_data_option(init);
  init->callback([&] { invocation.exit_code = run_init(init_data); });

  auto* demo = app.add_subcommand(
      "demo", "Load a fictional publication: newsletters, articles and readers");
  auto& demo_data = add_data_option(demo);
  demo->callback([&] { invocation.exit_code = run_demo(demo_data); });
}

}  // namespace broadsheet::cli
