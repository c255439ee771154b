// `broadsheet dkim keygen` and `broadsheet dkim check`.
//
// keygen --domain D --selector S --algo rsa|ed25519 [--no-enable]: writes a new private
// key (RSA 2048 bits or Ed25519) to SECRETS/dkim-D-S.pem with mode 0600, adds
// "D:S:ALGO:PATH" to dkim.keys in broadsheet.toml (that line alone is rewritten) unless
// --no-enable, and prints the DNS TXT record to publish. It never replaces a key file.
//
// check: loads the configured keys as serve and the send engine do (so a bad key file
// fails here the same way), looks up each key's TXT record with the resolver of
// mail.dns_servers, and says whether the published key matches. Exits 0 only when every
// record matches.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "address/mx.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/toml_edit.hpp"
#include "dkim/dns_check.hpp"
#include "dkim/signer.hpp"

namespace broadsheet::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kKeysVariable = "BROADSHEET_DKIM_KEYS";

struct KeygenArgs {
  std::string domain, selector, algo;
  bool no_enable = false;
};

std::string lowercase(std::string s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// The configuration as broadsheet.toml says it, without the environment's dkim.keys,
// which keygen must not write back into the file.
Result<Config> file_config(const std::string& data) {
  EnvLookup env = process_env();
  return load_config(data, [env](const std::string& name) -> std::optional<std::string> {
    if (name == kKeysVariable) return std::nullopt;
    return env(name);
  });
}

int keygen(const std::string& data, const KeygenArgs& a) {
  auto ctx = open_context(data);  // the same "run init first" as every command
  if (!ctx) return fail(ctx.error());
  auto config = file_config(data);
  if (!config) return fail(config.error());
  std::string domain = lowercase(a.domain), selector = lowercase(a.selector);
  if (auto st = validate_dkim_domain(domain); !st) return fail("--domain: " + st.error().message);
  if (auto st = validate_dkim_selector(selector); !st) {
    return fail("--selector: " + st.error().message);
  }
  auto algorithm = parse_dkim_algorithm(a.algo);
  if (!algorithm) return fail("--algo: " + algorithm.error().message);

  auto specs = parse_dkim_key_specs(config->dkim.keys);
  if (!specs) return fail(specs.error());
  for (const auto& s : *specs) {
    if (!a.no_enable && s.domain == domain && s.selector == selector) {
      return fail(
          fmt::format("dkim.keys already has a key for {}; choose another selector "
                      "(a DNS name holds one key)",
                      dkim::dkim_record_name(selector, domain)));
    }
  }

  // The file, relative to the data folder as dkim.keys names it.
  fs::path relative =
      fs::path(config->secrets_dir) / fmt::format("dkim-{}-{}.pem", domain, selector);
  fs::path secrets = fs::path(data) / config->secrets_dir;
  fs::path key_path = fs::path(data) / relative;
  std::error_code ec;
  if (!fs::exists(secrets, ec)) {
    fs::create_directories(secrets, ec);
    if (!ec) fs::permissions(secrets, fs::perms::owner_all, ec);
    if (ec) return fail(fmt::format("cannot create {}: {}", secrets.string(), ec.message()));
  }
  if (fs::exists(key_path, ec)) {
    return fail(
        fmt::format("{} already exists; choose another selector, or remove the file "
                    "if it is not in use",
                    key_path.string()));
  }
  auto pem = dkim::generate_dkim_key_pem(*algorithm);
  if (!pem) return fail(pem.error());
  auto key = dkim::parse_dkim_key(*pem, *algorithm, key_path.string());
  if (!key) return fail(key.error());
  if (auto st = dkim::write_private_file(key_path.string(), *pem); !st) return fail(st.error());
  std::cout << fmt::format("wrote {} ({}, mode 0600)\n", key_path.string(), a.algo);

  DkimKeySpec spec{domain, selector, *algorithm, relative.string()};
  std::string entry = format_dkim_key_specs({spec});
  if (a.no_enable) {
    std::cout << fmt::format("not enabled (--no-enable): add {} to dkim.keys to sign with it\n",
                             entry);
  } else {
    specs->push_back(spec);
    std::string value = format_dkim_key_specs(*specs);
    std::string toml_path = (fs::path(data) / "broadsheet.toml").string();
    std::ifstream in(toml_path, std::ios::binary);
    std::string original((std::istreambuf_iterator<char>(in)), {});
    if (!in.good() && !in.eof()) return fail(fmt::format("cannot read {}", toml_path));
    auto edited = set_toml_string(original, "dkim", "keys", value);
    if (!edited) {
      return fail(fmt::format("{}: {}; the key is in {}", toml_path, edited.error().message,
                              key_path.string()));
    }
    if (auto st = replace_file(toml_path, *edited); !st) return fail(st.error());
    // Read back what was written; on any surprise put the old file back.
    auto check = file_config(data);
    if (!check || check->dkim.keys != value) {
      (void)replace_file(toml_path, original);
      return fail(fmt::format("{} could not be updated ({}); it is unchanged and the key is in {}",
                              toml_path, check ? "read back differently" : check.error().message,
                              key_path.string()));
    }
    std::cout << fmt::format("added {} to dkim.keys in {}\n", entry, toml_path);
    if (process_env()(kKeysVariable)) {
      std::cout << fmt::format("note: {} is set and overrides dkim.keys in the file\n",
                               kKeysVariable);
    }
  }
  std::cout << "Publish this DNS TXT record, then run `broadsheet dkim check`:\n"
            << dkim::dkim_zone_line(selector, domain, *key) << "\n";
  return kExitOk;
}

int check(const std::string& data) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  const Config& config = ctx->config;
  auto signer = dkim::load_dkim_signer(config.dkim.keys, config.data_dir);
  if (!signer) return fail(signer.error());
  if (signer->empty()) {
    return fail("dkim.keys names no key; make one with `broadsheet dkim keygen`");
  }
  address::MxOptions dns{.timeout = 5000ms, .dns_servers = config.mail.dns_servers};
  std::size_t bad = 0;
  for (const auto& k : signer->keys()) {
    auto found = dkim::check_published_key(k, dns);
    std::string label = fmt::format("{} ({})", found.name, dkim_algorithm_name(k.key.algorithm));
    const bool ok = found.ok;
    const std::string& verdict = found.verdict;
    if (ok) {
      std::cout << fmt::format("{}: ok, {}\n", label, verdict);
    } else {
      ++bad;
      std::cout << fmt::format("{}: MISMATCH, {}; publish:\n  {}\n", label, verdict,
                               dkim::dkim_zone_line(k.selector, k.domain, k.key));
    }
  }
  if (bad > 0) {
    return fail(
        fmt::format("{} of {} DKIM records do not match their keys", bad, signer->keys().size()));
  }
  return kExitOk;
}

}  // namespace

void add_dkim_commands(CLI::App& app, Invocation& invocation) {
  auto* group = app.add_subcommand("dkim", "Make DKIM signing keys and check their DNS records");
  group->require_subcommand(1);
  static KeygenArgs a;

  auto* keygen_cmd = group->add_subcommand(
      "keygen", "Write a new private key, sign with it, and print the DNS record to publish");
  auto& keygen_data = add_data_option(keygen_cmd);
  keygen_cmd->add_option("--domain", a.domain, "The signing domain (d=), e.g. news.example.com")
      ->required();
  keygen_cmd->add_option("--selector", a.selector, "The selector (s=), e.g. 2026a")->required();
  keygen_cmd->add_option("--algo", a.algo, "rsa (2048 bits) or ed25519")
      ->required()
      ->check(CLI::IsMember({"rsa", "ed25519"}));
  keygen_cmd->add_flag("--no-enable", a.no_enable,
                       "Only write the key; do not add it to dkim.keys");
  keygen_cmd->callback([&] { invocation.exit_code = keygen(keygen_data, a); });

  auto* check_cmd = group->add_subcommand(
      "check", "Look up each signing key's DNS record and say whether it matches");
  auto& check_data = add_data_option(check_cmd);
  check_cmd->callback([&] { invocation.exit_code = check(check_data); });
}

}  // namespace broadsheet::cli
