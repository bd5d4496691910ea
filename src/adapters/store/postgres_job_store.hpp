// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>

#include "ports/job_store.hpp"

namespace ve::adapters::store {

class PostgresPool;

// JobStore on PostgreSQL through libpqxx. Each call takes a connection from a small pool guarded by
// a mutex (opening one when none is idle), so calls from many threads run in parallel. A lost
// connection is dropped with the rest of the pool and the call retried once on a fresh one; when
// the server is still unreachable the call fails Transient within connect_timeout (5 s unless the
// DSN sets it), and the first call after it is back succeeds. Messages and logs never show the
// DSN's password. create_job keeps the record's times when set (now otherwise), later changes are
// stamped with this process's clock; all kept with microseconds.
class PostgresJobStore final : public ports::JobStore {
 public:
  // Connects and, with `migrate`, brings the schema up to date under an advisory lock (safe when
  // several processes start at once). Without `migrate`, a missing or old schema is an Internal
  // error that says to set AUTO_MIGRATE_DB=true. Transient when the server is unreachable.
  static core::Result<std::unique_ptr<PostgresJobStore>> open(const std::string& dsn, bool migrate);

  ~PostgresJobStore() override;
  PostgresJobStore(const PostgresJobStore&) = delete;
  PostgresJobStore& operator=(const PostgresJobStore&) = delete;

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
  explicit PostgresJobStore(std::unique_ptr<PostgresPool> pool);

  std::unique_ptr<PostgresPool> pool_;
};

}  // namespace ve::adapters::store
