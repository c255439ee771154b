// Imports started through the API (POST /api/v1/imports): each CSV body imported in the
// background, one at a time, by imports::import_csv (the same code as `broadsheet
// import`), with its progress and its per-row error report kept for GET
// /api/v1/imports/{id} and /api/v1/imports/{id}/errors.csv.
//
// Jobs live in memory (a restart forgets them; what was imported stays, and an import
// cut short by a stop is one transaction, so it left nothing). At most kMaxImportJobs
// are kept (the oldest finished ones go first), and kMaxQueuedImports wait at once; at
// most kMaxImportErrors rejected rows of a job are kept for its report (the count is
// exact). Thread-safe; the destructor waits for the job under way.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "imports/import.hpp"
#include "store/store.hpp"

namespace broadsheet::admin {

inline constexpr std::size_t kMaxImportJobs = 50;
inline constexpr std::size_t kMaxQueuedImports = 4;
inline constexpr std::size_t kMaxImportErrors = 10000;

enum class ImportState { queued, running, done, failed };
std::string_view to_string(ImportState s);

// A job as the API shows it: a copy, taken under the lock.
struct ImportJobView {
  Id id = 0;
  ImportState state = ImportState::queued;
  std::string newsletter;
  std::string actor;
  std::size_t bytes = 0;       // of the CSV
  std::size_t bytes_read = 0;  // progress
  std::size_t rows_read = 0;
  std::size_t rejected = 0;
  std::optional<imports::ImportReport> report;  // once done
  std::string error;  // once failed
  UnixSeconds created_at = 0;
  std::optional<UnixSeconds> finished_at;
};

struct ImportError {
  std::size_t line = 0;
  std::string reason;
};

class ImportJobs {
 public:
  // REQUIRES: `store` and `clock` outlive this object.
  ImportJobs(store::Store& store, const Clock& clock);
  ~ImportJobs();
  ImportJobs(const ImportJobs&) = delete;
  ImportJobs& operator=(const ImportJobs&) = delete;

  // Queues an import of `csv`; its id. Errc::conflict when kMaxQueuedImports wait
  // already. `request.newsletter_slug` is checked by the caller.
  Result<Id> start(imports::ImportRequest request, std::string csv, std::string actor);
  std::optional<ImportJobView> job(Id id) const;
  // The rejected rows kept for the report, in line order; nullopt for no job `id`.
  std::optional<std::vector<ImportError>> errors(Id id) const;

 private:
  struct Job {
    ImportJobView view;
    imports::ImportRequest request;
    std::string csv;
    std::vector<ImportError> errors;
  };
  void run();
  void import(Job& job);
  void forget_old();

  store::Store& store_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<Id, std::shared_ptr<Job>> jobs_;
  std::deque<std::shared_ptr<Job>> queue_;
  Id next_id_ = 1;
  bool stopping_ = false;
  std::thread worker_;  // last: started when everything above exists
};

}  // namespace broadsheet::admin
