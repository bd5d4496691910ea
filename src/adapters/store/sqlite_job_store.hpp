// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "adapters/store/sqlite_handles.hpp"
#include "ports/job_store.hpp"

namespace ve::adapters::store {

// JobStore in one SQLite file: one connection in WAL mode, guarded by a mutex, so calls from many
// threads run one at a time; other processes may share the file (busy_timeout 5 s, then Transient).
// Times are kept in UTC with microseconds; create_job keeps the record's times when set (now
// otherwise), later changes are stamped with the local clock.
class SqliteJobStore final : public ports::JobStore {
 public:
  // Opens (and with `migrate`, creates, with its parent folders) the database file and brings its
  // schema up to date. Without `migrate`, a missing file or schema is an Internal error that says
  // to set AUTO_MIGRATE_DB=true.
  static core::Result<std::unique_ptr<SqliteJobStore>> open(const std::filesystem::path& file, bool migrate);

  core::Status create_job(const ports::JobRecord& job) override;
  core::Result<ports::RedeliveryClaim> claim_redelivered(const ports::JobRecord& job,
                                                        const std::string& abandon_reason) override;
  core::Status record_status(const std::string& job_id, core::JobStatus status, const std::string& note) override;
  core::Status record_progress(const std::string& job_id, double percent, double frames_per_second) override;
  core::Result<std::optional<ports::JobRecord>> find_job(const std::string& job_id) override;
  using ports::JobStore::list_jobs;
  core::Result<std::vector<ports::JobRecord>> list_jobs(const ports::JobQuery& query) override;
  core::Status ping() override;
  core::Result<std::vector<ports::JobEvent>> job_events(const std::string& job_id) override;
  core::Status record_outputs(const std::string& job_id, const std::vector<ports::OutputFile>& files) override;
  core::Result<std::vector<ports::OutputFile>> job_outputs(const std::string& job_id) override;

 private:
  SqliteJobStore(std::filesystem::path file, SqliteDb db);

  std::string where() const;

  std::filesystem::path file_;
  std::mutex mutex_;  // guards db_: a sqlite3 connection runs one statement at a time
  SqliteDb db_;
};

}  // namespace ve::adapters::store
