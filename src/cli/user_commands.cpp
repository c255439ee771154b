// `broadsheet user add|list|passwd|remove` and `broadsheet token create|list|revoke`: who
// may use the API and the desk (/admin).
//
// user add NAME [--role admin|editor|audience|viewer] [--password-file F]: the password
// comes from the file's first line, else from standard input (first line), prompted
// without echo on a terminal. At least 12 characters; stored as Argon2id.
// user passwd NAME [--password-file F]: a new password, read as for add; the user's
// desk sessions end. user remove NAME: the user goes, with their tokens and sessions.
// token create [--user NAME] --name LABEL: prints the new token's secret, alone on
// stdout, once: only its hash is kept. --user may be left out when there is one user.
// token revoke ID: the token stops working at once (each request looks it up).
#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <iostream>

#include "admin/accounts.hpp"
#include "admin/credentials.hpp"
#include "admin/json_shapes.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"

namespace broadsheet::cli {
namespace {

namespace json = boost::json;

struct UserArgs {
  std::string username, role = "editor", password_file;
  std::string token_name;
  Id token_id = 0;
  bool json = false;
};

// One line without its line ending.
std::string chomp(std::string line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

Result<std::string> read_password(const std::string& file) {
  std::string line;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return make_error(Errc::io, fmt::format("--password-file: cannot read {}", file));
    std::getline(in, line);
    return chomp(line);
  }
  if (!isatty(STDIN_FILENO)) {
    std::getline(std::cin, line);
    return chomp(line);
  }
  // A terminal: ask without showing what is typed.
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  std::cerr << "Password (at least 12 characters): " << std::flush;
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::getline(std::cin, line);
  tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << "\n";
  return chomp(line);
}

int add_user(const std::string& data, const UserArgs& a) {
  if (auto s = admin::check_username(a.username); !s) return fail(s.error());
  if (!user_role_from(a.role)) return fail("--role must be admin, editor, audience or viewer");
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto password = read_password(a.password_file);
  if (!password) return fail(password.error());
  auto added = admin::add_account(*ctx->store, a.username, a.role, *password, admin::flag_name);
  if (!added) return fail(added.error());
  (void)ctx->store->audit("cli", "user.add", a.username, std::string(to_string(added->role)));
  std::cerr << fmt::format("user {} added ({})\n", a.username, to_string(added->role));
  return kExitOk;
}

int list_users(const std::string& data, const UserArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto users = ctx->store->list_users();
  if (!users) return fail(users.error());
  if (a.json) {
    json::array out;
    for (const auto& u : *users) out.push_back(admin::user_json(u));
    std::cout << json::serialize(out) << "\n";
    return kExitOk;
  }
  if (users->empty()) {
    std::cout << "no users yet; add one with `broadsheet user add NAME`\n";
    return kExitOk;
  }
  // Columns as `issue list` writes them: a header, then one line per user.
  std::size_t width = 4;
  for (const auto& u : *users) width = std::max(width, u.username.size());
  std::cout << fmt::format("{:<{}}  {:<8} {}\n", "USER", width, "ROLE", "CREATED");
  for (const auto& u : *users) {
    std::cout << fmt::format("{:<{}}  {:<8} {}\n", u.username, width, to_string(u.role),
                             format_iso8601(u.created_at));
  }
  return kExitOk;
}

int change_password(const std::string& data, const UserArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto password = read_password(a.password_file);
  if (!password) return fail(password.error());
  auto hash = admin::hash_password(*password);
  if (!hash) return fail(hash.error());
  if (auto s = ctx->store->set_password_hash(a.username, *hash); !s) return fail(s.error());
  (void)ctx->store->audit("cli", "user.passwd", a.username, "");
  std::cerr << fmt::format("password of {} changed; their desk sessions have ended\n", a.username);
  return kExitOk;
}

int remove_user(const std::string& data, const UserArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  if (auto s = admin::remove_account(*ctx->store, *ctx->store, a.username, "cli"); !s) {
    return fail(s.error());
  }
  std::cerr << fmt::format("user {} removed, with their tokens and desk sessions\n", a.username);
  return kExitOk;
}

int create_token(const std::string& data, const UserArgs& a) {
  if (auto s = check_text("--name", a.token_name, admin::kMaxTokenName); !s) return fail(s.error());
  if (a.token_name.empty()) return fail("--name must say what the token is for");
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto issued =
      admin::issue_token(*ctx->store, *ctx->store, a.username, a.token_name, admin::flag_name);
  if (!issued) return fail(issued.error());
  (void)ctx->store->audit("cli", "token.create", std::to_string(issued->token.id),
                          fmt::format("{} for {}", a.token_name, issued->token.username));
  // The secret alone on stdout, so scripts can take it: TOKEN=$(broadsheet token create ...).
  std::cout << issued->secret << "\n";
  std::cerr << fmt::format("token {} for {} created; it is shown only now, so keep it safe\n",
                           issued->token.id, issued->token.username);
  return kExitOk;
}

int list_tokens(const std::string& data, const UserArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto tokens = ctx->store->list_api_tokens();
  if (!tokens) return fail(tokens.error());
  json::array out;
  for (const auto& t : *tokens) {
    if (a.json) {
      out.push_back(admin::api_token_json(t));
      continue;
    }
    std::cout << fmt::format("{}\t{}\t{}\tcreated {}\t{}\n", t.id, t.name, t.username,
                             format_iso8601(t.created_at),
                             t.revoked_at ? "revoked " + format_iso8601(*t.revoked_at)
                             : t.last_used_at ? "last used " + format_iso8601(*t.last_used_at)
                                              : std::string("never used"));
  }
  if (a.json) std::cout << json::serialize(out) << "\n";
  return kExitOk;
}

int revoke_token(const std::string& data, const UserArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  if (auto s = ctx->store->revoke_api_token(a.token_id); !s) return fail(s.error());
  (void)ctx->store->audit("cli", "token.revoke", std::to_string(a.token_id), "");
  std::cerr << fmt::format("token {} revoked\n", a.token_id);
  return kExitOk;
}

}  // namespace

void add_user_commands(CLI::App& app, Invocation& invocation) {
  static UserArgs a;
  auto* user = app.add_subcommand("user", "People who may use the API and the desk (/admin)");
  user->require_subcommand(1);
  auto* add = user->add_subcommand("add", "Add a user (the password is read from --password-file "
                                          "or standard input)");
  auto& add_data = add_data_option(add);
  add->add_option("username", a.username, "Lowercase letters, digits, '.', '_', '-'")->required();
  add->add_option("--role", a.role, "admin, editor, audience or viewer")->capture_default_str();
  add->add_option("--password-file", a.password_file, "A file whose first line is the password");
  add->callback([&] { invocation.exit_code = add_user(add_data, a); });
  auto* list = user->add_subcommand("list", "List the users");
  auto& list_data = add_data_option(list);
  list->add_flag("--json", a.json, "Print a JSON array");
  list->callback([&] { invocation.exit_code = list_users(list_data, a); });
  auto* passwd = user->add_subcommand("passwd", "Give a user a new password (read as for add); "
                                                "their desk sessions end");
  auto& passwd_data = add_data_option(passwd);
  passwd->add_option("username", a.username, "The user")->required();
  passwd->add_option("--password-file", a.password_file, "A file whose first line is the password");
  passwd->callback([&] { invocation.exit_code = change_password(passwd_data, a); });
  auto* remove = user->add_subcommand("remove", "Remove a user with their tokens and sessions");
  auto& remove_data = add_data_option(remove);
  remove->add_option("username", a.username, "The user")->required();
  remove->callback([&] { invocation.exit_code = remove_user(remove_data, a); });

  auto* token = app.add_subcommand("token", "API tokens (Authorization: Bearer ...)");
  token->require_subcommand(1);
  auto* create = token->add_subcommand("create", "Create a token and print it, once");
  auto& create_data = add_data_option(create);
  create->add_option("--user", a.username, "Whose token it is (may be left out with one user)");
  create->add_option("--name", a.token_name, "What it is for, e.g. \"newsroom CMS\"")->required();
  create->callback([&] { invocation.exit_code = create_token(create_data, a); });
  auto* tlist = token->add_subcommand("list", "List the tokens (never their secrets)");
  auto& tlist_data = add_data_option(tlist);
  tlist->add_flag("--json", a.json, "Print a JSON array");
  tlist->callback([&] { invocation.exit_code = list_tokens(tlist_data, a); });
  auto* revoke = token->add_subcommand("revoke", "Revoke a token: it stops working at once");
  auto& revoke_data = add_data_option(revoke);
  revoke->add_option("id", a.token_id, "The token's id (see token list)")->required();
  revoke->callback([&] { invocation.exit_code = revoke_token(revoke_data, a); });
}

}  // namespace broadsheet::cli
