// `broadsheet import FILE.csv --newsletter SLUG` and `broadsheet export`.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "admin/reader_fields.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/progress.hpp"
#include "core/clock.hpp"
#include "imports/import.hpp"

namespace broadsheet::cli {
namespace {

// Rejected rows printed one per line; past this many only the count is printed.
constexpr std::size_t kMaxRejectLines = 100;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

struct TransferArgs {
  std::string file, newsletter, status;
  bool confirmed = false, strict = false, send_confirmations = false;
};

// The rest of the import's report, after its summary line: what each column became,
// every ignored column and why, the rows left out, and who is still unconfirmed.
void print_import_details(const imports::ImportReport& r, bool send_confirmations) {
  std::vector<std::string> used, attributes;
  for (const auto& c : r.columns) {
    if (c.use == "attribute") {
      attributes.push_back(fmt::format("\"{}\"", c.header));
    } else if (!c.use.empty()) {
      used.push_back(fmt::format("\"{}\" as {}", c.header, c.use));
    }
  }
  if (!used.empty()) std::cout << fmt::format("columns: {}\n", fmt::join(used, ", "));
  if (!attributes.empty()) {
    std::cout << fmt::format("reader attributes (see subscriber show): {}\n",
                             fmt::join(attributes, ", "));
  }
  for (const auto& c : r.columns) {
    if (!c.ignored_because.empty()) {
      std::cout << fmt::format("ignored column \"{}\": {}\n", c.header, c.ignored_because);
    }
  }
  if (r.left_out > 0) {
    std::cout << fmt::format("{} rows left out: the file says those readers left (unsubscribed, "
                             "blocklisted or email disabled)\n",
                             r.left_out);
  }
  const auto& n = r.counts;
  if (n.unconfirmed == 0) return;
  if (send_confirmations) {
    std::cout << fmt::format(
        "{} readers are unconfirmed and get nothing until they confirm: {} confirmation emails "
        "queued, for `broadsheet serve` to send through the mail queue at the relay's pace",
        n.unconfirmed, n.confirmations_queued);
    if (n.confirmations_queued < n.unconfirmed) {
      std::cout << fmt::format("; {} not: blocked, or sent one within signup.resend_window",
                               n.unconfirmed - n.confirmations_queued);
    }
    std::cout << "\n";
    return;
  }
  std::cout << fmt::format(
      "{} readers are unconfirmed and will get nothing until they confirm: import the file "
      "again with --send-confirmations to email them a confirmation link\n",
      n.unconfirmed);
}

int run_import(const std::string& data, const TransferArgs& a) {
  struct stat st{};
  if (::stat(a.file.c_str(), &st) != 0) return fail(fmt::format("cannot read {}: no such file", a.file));
  if (S_ISDIR(st.st_mode)) return fail(fmt::format("{} is a folder, not a CSV file", a.file));
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(a.file.c_str(), "rb"));
  if (!file) return fail(fmt::format("cannot open {}", a.file));

  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());

  imports::ImportRequest req;
  req.newsletter_slug = a.newsletter;
  req.confirmed = a.confirmed;
  req.strict = a.strict;
  req.address_policy = ctx->address_policy;
  req.send_confirmations = a.send_confirmations;
  // The sign-up's resend window: at most one confirmation per reader per window.
  req.resend_after = SystemClock::instance().now() - ctx->config.signup.resend_window + 1;
  Progress progress("importing", static_cast<std::size_t>(st.st_size));
  std::size_t shown = 0;
  auto on_reject = [&](std::size_t line, const std::string& why) {
    if (++shown <= kMaxRejectLines) {
      progress.finish();
      std::fprintf(stderr, "line %zu: %s\n", line, why.c_str());
    }
  };
  std::size_t noted = 0;
  auto on_note = [&](std::size_t line, const std::string& note) {
    if (++noted <= kMaxRejectLines) {
      progress.finish();
      std::fprintf(stderr, "line %zu: %s (the reader is imported)\n", line, note.c_str());
    }
  };
  auto on_progress = [&](std::size_t bytes, std::size_t rows) { progress.update(bytes, rows); };
  auto report = imports::import_csv(*ctx->store, file.get(), req, on_reject, on_progress, on_note);
  progress.finish();
  if (shown > kMaxRejectLines) {
    std::fprintf(stderr, "... and %zu more rejected rows\n", shown - kMaxRejectLines);
  }
  if (noted > kMaxRejectLines) {
    std::fprintf(stderr, "... and %zu more attribute values left out\n", noted - kMaxRejectLines);
  }
  if (!report) {
    if (report.error().code == Errc::not_found) return fail(report.error());
    return fail(report.error().message + (report.error().code == Errc::invalid_argument ? "" : "; nothing was imported"));
  }
  (void)ctx->store->audit("cli", "import", a.newsletter,
                          fmt::format("file={} rows={} new_subscribers={} subscriptions={} "
                                      "duplicates={} rejected={} left_out={} unconfirmed={} "
                                      "confirmations_queued={}",
                                      a.file, report->rows, report->counts.subscribers_created,
                                      report->counts.subscriptions_added,
                                      report->counts.duplicates_skipped, report->rejected,
                                      report->left_out, report->counts.unconfirmed,
                                      report->counts.confirmations_queued));
  std::cout << fmt::format(
      "imported {} rows into {}: {} new subscribers, {} subscriptions added, {} duplicates "
      "skipped, {} rows rejected\n",
      report->rows - report->rejected - report->left_out, a.newsletter,
      report->counts.subscribers_created, report->counts.subscriptions_added,
      report->counts.duplicates_skipped, report->rejected);
  if (report->counts.suppressed_skipped > 0) {
    std::cout << fmt::format(
        "skipped {} suppressed addresses: their readers were removed, and only their own "
        "confirmed sign-up brings them back\n",
        report->counts.suppressed_skipped);
  }
  print_import_details(*report, a.send_confirmations);
  return kExitOk;
}

int run_export(const std::string& data, const TransferArgs& a) {
  auto ctx = open_context(data);
  if (!ctx) return fail(ctx.error());
  auto filter = subscriber_filter(*ctx->store, a.newsletter, a.status);
  if (!filter) return fail(filter.error());
  store::SubscriberQuery q = *filter;
  q.limit = 5000;
  std::string out(admin::kReaderCsvHeader);
  while (true) {
    auto rows = ctx->store->list_subscribers(q);
    if (!rows) return fail(rows.error());
    for (const auto& s : *rows) admin::append_reader_csv(out, s);
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
      "import", "Import subscribers from a CSV file (email, name, timezone, other columns as attributes)");
  auto& import_data = add_data_option(import_cmd);
  import_cmd->add_option("file", a.file, "CSV file with a header line")->required();
  import_cmd->add_option("--newsletter", a.newsletter, "Newsletter to subscribe them to")->required();
  auto* confirmed_flag = import_cmd->add_flag("--confirmed", a.confirmed,
                       "Subscriptions start confirmed (consent was given elsewhere)");
  import_cmd->add_flag("--send-confirmations", a.send_confirmations,
                       "Queue a confirmation email for each unconfirmed reader of the file "
                       "(sent by serve)")
      ->excludes(confirmed_flag);
  import_cmd->add_flag("--strict", a.strict, "Import nothing if any row is rejected");
  import_cmd->callback([&] { invocation.exit_code = run_import(import_data, a); });

  auto* export_cmd = app.add_subcommand("export", "Export subscribers as CSV to stdout");
  auto& export_data = add_data_option(export_cmd);
  export_cmd->add_option("--newsletter", a.newsletter, "Only subscribers of this newsletter");
  export_cmd->add_option("--status", a.status, "With --newsletter: only this subscription status");
  export_cmd->callback([&] { invocation.exit_code = run_export(export_data, a); });
}

}  // namespace broadsheet::cli
