// `broadsheet import FILE.csv --newsletter SLUG` and `broadsheet export`.
#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/csv.hpp"
#include "cli/import.hpp"
#include "cli/progress.hpp"

namespace broadsheet::cli {
namespace {

// Rejected rows printed one per line; past this many only the count is printed.
constexpr std::size_t kMaxRejectLines = 100;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

struct TransferArgs {
  std::string file, newsletter, status;
  bool confirmed = false, strict = false;
};

int run_import(const std::string& data, const TransferArgs& a) {
  struct stat st{};
  if (::stat(a.file.c_str(), &st) != 0) return fail(fmt::format("cannot read {}: no such file", a.file));
  if (S_ISDIR(st.st_mode)) return fail(fmt::format("{} is a folder, not a CSV file", a.file));
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(a.file.c_str(), "rb"));
  if (!file) return fail(fmt::format("cannot open {}", a.file));

  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());

  ImportRequest req;
  req.newsletter_slug = a.newsletter;
  req.confirmed = a.confirmed;
  req.strict = a.strict;
  req.address_policy = ctx->address_policy;
  Progress progress("importing", static_cast<std::size_t>(st.st_size));
  std::size_t shown = 0;
  auto on_reject = [&](std::size_t line, const std::string& why) {
    if (++shown <= kMaxRejectLines) {
      progress.finish();
      std::fprintf(stderr, "line %zu: %s\n", line, why.c_str());
    }
  };
  auto on_progress = [&](std::size_t bytes, std::size_t rows) { progress.update(bytes, rows); };
  auto report = import_csv(*ctx->store, file.get(), req, on_reject, on_progress);
  progress.finish();
  if (shown > kMaxRejectLines) {
    std::fprintf(stderr, "... and %zu more rejected rows\n", shown - kMaxRejectLines);
  }
  if (!report) {
    if (report.error().code == Errc::not_found) return fail(report.error());
    return fail(report.error().message + (report.error().code == Errc::invalid_argument ? "" : "; nothing was imported"));
  }
  (void)ctx->store->audit("cli", "import", a.newsletter,
                          fmt::format("file={} rows={} new_subscribers={} subscriptions={} "
                                      "duplicates={} rejected={}",
                                      a.file, report->rows, report->counts.subscribers_created,
                                      report->counts.subscriptions_added,
                                      report->counts.duplicates_skipped, report->rejected));
  std::cout << fmt::format(
      "imported {} rows into {}: {} new subscribers, {} subscriptions added, {} duplicates "
      "skipped, {} rows rejected\n",
      report->rows - report->rejected, a.newsletter, report->counts.subscribers_created,
      report->counts.subscriptions_added, report->counts.duplicates_skipped, report->rejected);
  if (report->counts.suppressed_skipped > 0) {
    std::cout << fmt::format(
        "skipped {} suppressed addresses: their readers were removed, and only their own "
        "confirmed sign-up brings them back\n",
        report->counts.suppressed_skipped);
  }
  return kExitOk;
}

int run_export(const std::string& data, const TransferArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto filter = subscriber_filter(*ctx->store, a.newsletter, a.status);
  if (!filter) return fail(filter.error());
  store::SubscriberQuery q = *filter;
  q.limit = 5000;
  std::string out = "email,name,timezone,status,created_at\n";
  while (true) {
    auto rows = ctx->store->list_subscribers(q);
    if (!rows) return fail(rows.error());
    for (const auto& s : *rows) {
      csv_append_field(out, s.email);
      out += ',';
      csv_append_field(out, s.name);
      out += ',';
      csv_append_field(out, s.timezone);
      out += ',';
      out += to_string(s.status);
      out += ',';
      out += format_iso8601(s.created_at);
      out += '\n';
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    out.clear();
    if (rows->size() < q.limit) break;
    q.after_id = rows->back().id;
  }
  if (std::fflush(stdout) != 0) return fail("writing the export failed");
  return kExitOk;
}

}  // namespace

void add_transfer_commands(CLI::App& app, Invocation& invocation) {
  static TransferArgs a;
  auto* import_cmd = app.add_subcommand(
      "import", "Import subscribers from a CSV file (columns: email, name, timezone)");
  auto& import_data = add_data_option(import_cmd);
  import_cmd->add_option("file", a.file, "CSV file with a header line")->required();
  import_cmd->add_option("--newsletter", a.newsletter, "Newsletter to subscribe them to")->required();
  import_cmd->add_flag("--confirmed", a.confirmed,
                       "Subscriptions start confirmed (consent was given elsewhere)");
  import_cmd->add_flag("--strict", a.strict, "Import nothing if any row is rejected");
  import_cmd->callback([&] { invocation.exit_code = run_import(import_data, a); });

  auto* export_cmd = app.add_subcommand("export", "Export subscribers as CSV to stdout");
  auto& export_data = add_data_option(export_cmd);
  export_cmd->add_option("--newsletter", a.newsletter, "Only subscribers of this newsletter");
  export_cmd->add_option("--status", a.status, "With --newsletter: only this subscription status");
  export_cmd->callback([&] { invocation.exit_code = run_export(export_data, a); });
}

}  // namespace broadsheet::cli
