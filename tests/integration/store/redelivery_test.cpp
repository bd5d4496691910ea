// SPDX-License-Identifier: Apache-2.0
// claim_redelivered on SQLite and PostgreSQL: a redelivered message finds its COMPLETED job or
// abandons its unfinished attempts, atomically, so one message never yields two COMPLETED jobs.
// Also the upgrade of a database made by schema version 1.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "adapters/store/migrations.hpp"
#include "store_backends.hpp"

namespace ve::adapters::store::test {
namespace {

using core::ErrorKind;
using core::JobStatus;
using ports::JobRecord;

JobRecord keyed_job(const std::string& resource, const std::string& key) {
  JobRecord job = make_job(resource);
  job.message_key = key;
  return job;
}

class RedeliveryTest : public StoreTest {};

TEST_P(RedeliveryTest, TheMessageKeyIsStoredAndReadBack) {
  const JobRecord keyed = keyed_job("a", "id:m-1");
  const JobRecord plain = make_job("b");
  ASSERT_TRUE(store_->create_job(keyed));
  ASSERT_TRUE(store_->create_job(plain));
  EXPECT_EQ(find(keyed.id).message_key, "id:m-1");
  EXPECT_EQ(find(plain.id).message_key, "");
}

TEST_P(RedeliveryTest, WithoutEarlierAttemptsTheJobIsCreated) {
  const JobRecord job = keyed_job("a", "id:m-1");
  auto claim = store_->claim_redelivered(job, "unused");
  ASSERT_TRUE(claim) << claim.error().message;
  EXPECT_FALSE(claim->completed);
  EXPECT_TRUE(claim->abandoned.empty());
  EXPECT_EQ(find(job.id).status, JobStatus::Starting);
}

TEST_P(RedeliveryTest, UnfinishedAttemptsAreAbandonedWithTheReasonAndStopMoving) {
  const JobRecord crashed = keyed_job("a", "id:m-1");
  const JobRecord failed = keyed_job("a", "id:m-1");
  const JobRecord other = keyed_job("b", "id:m-2");
  for (const auto* j : {&crashed, &failed, &other}) ASSERT_TRUE(store_->create_job(*j));
  walk(crashed.id, JobStatus::Encoding);
  ASSERT_TRUE(store_->record_status(failed.id, JobStatus::Failed, "bad media"));
  walk(other.id, JobStatus::Downloading);

  const JobRecord next = keyed_job("a", "id:m-1");
  auto claim = store_->claim_redelivered(next, "abandoned: continued as job " + next.id);
  ASSERT_TRUE(claim) << claim.error().message;
  EXPECT_FALSE(claim->completed);
  EXPECT_EQ(claim->abandoned, std::vector<std::string>{crashed.id});

  const JobRecord old = find(crashed.id);
  EXPECT_EQ(old.status, JobStatus::Abandoned);
  EXPECT_EQ(old.error, "abandoned: continued as job " + next.id);
  auto events = store_->job_events(crashed.id);
  ASSERT_TRUE(events);
  EXPECT_EQ(statuses(*events).back(), JobStatus::Abandoned);
  EXPECT_EQ(find(failed.id).status, JobStatus::Failed);  // finished attempts stay as they ended
  EXPECT_EQ(find(failed.id).error, "bad media");
  EXPECT_EQ(find(other.id).status, JobStatus::Downloading);  // another message's job is untouched
  EXPECT_EQ(find(next.id).status, JobStatus::Starting);

  // The abandoned attempt's worker, still running somewhere, can no longer move it.
  auto moved = store_->record_status(crashed.id, JobStatus::Uploading, "");
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().kind, ErrorKind::Conflict);
  auto completed = store_->record_status(crashed.id, JobStatus::Failed, "late failure");
  ASSERT_FALSE(completed);
  EXPECT_EQ(completed.error().kind, ErrorKind::Conflict);
  EXPECT_EQ(find(crashed.id).status, JobStatus::Abandoned);
}

TEST_P(RedeliveryTest, ACompletedJobIsReturnedAndNothingIsCreated) {
  const JobRecord done = keyed_job("a", "id:m-1");
  ASSERT_TRUE(store_->create_job(done));
  walk(done.id, JobStatus::Completed);
  const std::string jobs_before = backend_->scalar("SELECT count(*) FROM jobs");
  const std::string events_before = backend_->scalar("SELECT count(*) FROM job_events");

  const JobRecord next = keyed_job("a", "id:m-1");
  auto claim = store_->claim_redelivered(next, "unused");
  ASSERT_TRUE(claim) << claim.error().message;
  ASSERT_TRUE(claim->completed);
  EXPECT_EQ(claim->completed->id, done.id);
  EXPECT_EQ(claim->completed->status, JobStatus::Completed);
  EXPECT_EQ(claim->completed->updated_at, find(done.id).updated_at);
  EXPECT_EQ(backend_->scalar("SELECT count(*) FROM jobs"), jobs_before);
  EXPECT_EQ(backend_->scalar("SELECT count(*) FROM job_events"), events_before);
  auto missing = store_->find_job(next.id);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
}

// A worker that lost its broker connection keeps walking its job while the redelivery of its
// message is claimed on another store (another instance): whoever wins, exactly one job of the
// message ends COMPLETED.
TEST_P(RedeliveryTest, ARacingOldAttemptAndItsRedeliveryCompleteExactlyOneJob) {
  auto second = backend_->open(true);
  ASSERT_TRUE(second) << second.error().message;
  for (int round = 0; round < 12; ++round) {
    const std::string key = "id:race-" + std::to_string(round);
    const JobRecord old = keyed_job("r", key);
    ASSERT_TRUE(store_->create_job(old));
    std::atomic<bool> go{false};
    std::string old_problem, new_problem;
    std::jthread old_worker([&] {
      while (!go) std::this_thread::yield();
      for (size_t i = 1; i < kFullLife.size(); ++i) {
        auto ok = store_->record_status(old.id, kFullLife[i], "");
        if (!ok) {
          if (ok.error().kind != ErrorKind::Conflict) old_problem = ok.error().message;
          return;
        }
      }
    });
    std::jthread redelivery([&] {
      while (!go) std::this_thread::yield();
      if (round % 3) std::this_thread::sleep_for(std::chrono::microseconds(300 * round));
      const JobRecord next = keyed_job("r", key);
      auto claim = (*second)->claim_redelivered(next, "abandoned");
      if (!claim) {
        new_problem = claim.error().message;
        return;
      }
      if (claim->completed) return;  // would republish
      for (size_t i = 1; i < kFullLife.size(); ++i) {
        if (auto ok = (*second)->record_status(next.id, kFullLife[i], ""); !ok) {
          new_problem = ok.error().message;
          return;
        }
      }
    });
    go = true;
    old_worker.join();
    redelivery.join();
    EXPECT_EQ(old_problem, "") << "round " << round;
    EXPECT_EQ(new_problem, "") << "round " << round;
    EXPECT_EQ(backend_->scalar("SELECT count(*) FROM jobs WHERE message_key = '" + key + "' AND status = 'COMPLETED'"), "1")
        << "round " << round;
    EXPECT_EQ(backend_->scalar("SELECT count(*) FROM jobs WHERE message_key = '" + key +
                               "' AND status NOT IN ('COMPLETED', 'ABANDONED')"),
              "0")
        << "round " << round;
  }
}

// A database made by schema version 1 (before ABANDONED and message keys) is upgraded in place:
// its jobs and their history stay, and the foreign keys still cascade.
TEST_P(RedeliveryTest, AVersionOneDatabaseIsUpgradedKeepingItsData) {
  auto old = make_backend(GetParam());
  create_schema(*old, 1);
  const std::string video = "0b0e2a36-2f6b-4c4e-9d1e-0d8c1a9b7f01", job = "6f7e0c55-3d3a-4bb0-8a55-2a3c4d5e6f70";
  const std::string t = "'2026-01-01T00:00:00.000000Z'";
  old->sql("INSERT INTO videos VALUES ('" + video + "', 'res', 'a.mp4', " + t + ")");
  old->sql("INSERT INTO jobs VALUES ('" + job + "', 'out', 'ENCODING', '" + video + "', NULL, " + t + ", " + t + ")");
  for (const char* s : {"STARTING", "DOWNLOADING", "FRAGMENTING", "ENCODING"}) {
    old->sql(std::string("INSERT INTO job_events (job_id, status, at) VALUES ('") + job + "', '" + s + "', " + t + ")");
  }

  auto without = old->open(false);
  ASSERT_FALSE(without);
  EXPECT_NE(without.error().message.find("schema version 1"), std::string::npos) << without.error().message;

  auto store = old->open(true);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(old->scalar("SELECT max(version) FROM schema_migrations"), std::to_string(latest_schema_version()));
  auto found = (*store)->find_job(job);
  ASSERT_TRUE(found && found->has_value()) << (found ? "missing" : found.error().message);
  EXPECT_EQ((**found).status, JobStatus::Encoding);
  EXPECT_EQ((**found).message_key, "");
  auto events = (*store)->job_events(job);
  ASSERT_TRUE(events);
  EXPECT_EQ(events->size(), 4u);
  ASSERT_TRUE((*store)->record_status(job, JobStatus::Abandoned, "abandoned: upgraded"));
  EXPECT_EQ((**(*store)->find_job(job)).status, JobStatus::Abandoned);

  old->sql("DELETE FROM videos WHERE id = '" + video + "'");
  EXPECT_EQ(old->scalar("SELECT count(*) FROM jobs"), "0");
  EXPECT_EQ(old->scalar("SELECT count(*) FROM job_events"), "0");
}

INSTANTIATE_TEST_SUITE_P(Backends, RedeliveryTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ve::adapters::store::test
