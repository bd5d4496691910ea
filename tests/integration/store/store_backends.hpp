// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "ports/job_store.hpp"
#include "support/postgres_fixture.hpp"

namespace ve::adapters::store::test {

// One empty database for one test, in one of the two engines: opens stores on it and runs raw SQL
// for what the port cannot show (schema tables, cascades).
class Backend {
 public:
  virtual ~Backend() = default;
  virtual core::Result<std::unique_ptr<ports::JobStore>> open(bool migrate) = 0;
  // Runs statements; throws std::runtime_error on failure.
  virtual void sql(const std::string& statements) = 0;
  // The first column of the first row as text ("" for no row or NULL).
  virtual std::string scalar(const std::string& query) = 0;
  virtual std::string name() const = 0;
};

// "sqlite" (a file in a fresh temp folder, in a sub-folder that does not exist yet) or "postgres"
// (a fresh database in the process's shared cluster).
std::unique_ptr<Backend> make_backend(const std::string& kind);

// The process's PostgreSQL server, started on first use, stopped by a gtest Environment at exit.
ve::testing::PostgresCluster& shared_cluster();

// A random version 4 UUID (test data only).
std::string random_uuid();

// A new job for `resource` (a fresh video unless `video_id` is given), stamped now.
ports::JobRecord make_job(const std::string& resource, const std::string& video_id = random_uuid());

std::vector<std::string> ids(const std::vector<ports::JobRecord>& jobs);
std::vector<core::JobStatus> statuses(const std::vector<ports::JobEvent>& events);

// Every status of a job that succeeds, in order.
extern const std::vector<core::JobStatus> kFullLife;

}  // namespace ve::adapters::store::test
