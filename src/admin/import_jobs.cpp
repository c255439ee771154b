#include "admin/import_jobs.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>

namespace broadsheet::admin {

std::string_view to_string(ImportState s) {
  switch (s) {
    case ImportState::queued:
      return "queued";
    case ImportState::running:
      return "running";
    case ImportState::done:
      return "done";
    case ImportState::failed:
      return "failed";
  }
  return "failed";
}

ImportJobs::ImportJobs(store::Store& store, const Clock& clock)
    : store_(store), clock_(clock), worker_([this] { run(); }) {}

ImportJobs::~ImportJobs() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

Result<Id> ImportJobs::start(imports::ImportRequest request, std::string csv, std::string actor) {
  auto job = std::make_shared<Job>();
  job->view.newsletter = request.newsletter_slug;
  job->view.actor = std::move(actor);
  job->view.bytes = csv.size();
  job->view.created_at = clock_.now();
  job->request = std::move(request);
  job->csv = std::move(csv);
  Id id = 0;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kMaxQueuedImports) {
      return make_error(Errc::conflict,
                        fmt::format("{} imports are waiting already; try again when one is done",
                                    queue_.size()));
    }
    id = job->view.id = next_id_++;
    jobs_.emplace(id, job);
    queue_.push_back(job);
    forget_old();
  }
  wake_.notify_all();
  return id;
}

std::optional<ImportJobView> ImportJobs::job(Id id) const {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second->view;
}

std::optional<std::vector<ImportError>> ImportJobs::errors(Id id) const {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second->errors;
}

// Finished jobs past kMaxImportJobs go, oldest first. REQUIRES: mutex_ held.
void ImportJobs::forget_old() {
  for (auto it = jobs_.begin(); jobs_.size() > kMaxImportJobs && it != jobs_.end();) {
    const ImportState s = it->second->view.state;
    if (s == ImportState::done || s == ImportState::failed) {
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
}

void ImportJobs::run() {
  while (true) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        for (auto& waiting : queue_) {
          waiting->view.state = ImportState::failed;
          waiting->view.error = "the server stopped before the import began; nothing was imported";
        }
        queue_.clear();
        return;
      }
      job = queue_.front();
      queue_.pop_front();
      job->view.state = ImportState::running;
    }
    import(*job);
  }
}

void ImportJobs::import(Job& job) {
  // The body is read as a file: the importer is the CLI's, which reads files.
  std::FILE* file = fmemopen(job.csv.data(), job.csv.size(), "rb");
  Result<imports::ImportReport> report =
      make_error(Errc::io, "the upload could not be read");
  if (file != nullptr) {
    auto on_reject = [&](std::size_t line, const std::string& why) {
      std::lock_guard lock(mutex_);
      ++job.view.rejected;
      if (job.errors.size() < kMaxImportErrors) job.errors.push_back({line, why});
    };
    auto on_progress = [&](std::size_t bytes, std::size_t rows) {
      std::lock_guard lock(mutex_);
      job.view.bytes_read = bytes;
      job.view.rows_read = rows;
    };
    report = imports::import_csv(store_, file, job.request, on_reject, on_progress);
    std::fclose(file);
  }
  if (report) {
    (void)store_.audit(job.view.actor, "import", job.view.newsletter,
                       fmt::format("api rows={} new_subscribers={} subscriptions={} "
                                   "duplicates={} rejected={} left_out={} unconfirmed={} "
                                   "confirmations_queued={}",
                                   report->rows, report->counts.subscribers_created,
                                   report->counts.subscriptions_added,
                                   report->counts.duplicates_skipped, report->rejected,
                                   report->left_out, report->counts.unconfirmed,
                                   report->counts.confirmations_queued));
  } else if (report.error().code != Errc::invalid_argument &&
             report.error().code != Errc::not_found) {
    spdlog::error("import {}: {}", job.view.id, report.error().message);
  }
  std::lock_guard lock(mutex_);
  job.csv.clear();
  job.csv.shrink_to_fit();
  job.view.finished_at = clock_.now();
  job.view.bytes_read = job.view.bytes;
  if (report) {
    job.view.state = ImportState::done;
    job.view.report = std::move(*report);
  } else {
    job.view.state = ImportState::failed;
    job.view.error = report.error().code == Errc::invalid_argument ||
                             report.error().code == Errc::not_found
                         ? report.error().message
                         : "the import failed; nothing was imported (see the server log)";
  }
}

}  // namespace broadsheet::admin
