// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <gtest/gtest.h>

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

// Makes `backend`'s empty database what a build of schema `version` left: the migrations up to it,
// each recorded in schema_migrations as the stores record them.
void create_schema(Backend& backend, int version);

// "sqlite" (a file in a fresh temp folder, in a sub-folder that does not exist yet) or "postgres"
// (a fresh database in the process's shared cluster).
std::unique_ptr<Backend> make_backend(const std::string& kind);

// The fixture of the suites run on both engines: a fresh migrated database of the engine the test
// parameter names ("sqlite", "postgres"), and a store on it.
class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;

  // Moves a job from STARTING up to `to` along kFullLife, each change with `note`.
  void walk(const std::string& job_id, core::JobStatus to, const std::string& note = "");

  // The job as stored; a test failure (and an empty record) when it is missing.
  ports::JobRecord find(const std::string& id);

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<ports::JobStore> store_;
};

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
