// SPDX-License-Identifier: Apache-2.0
// ENCODING progress and event notes (failure reasons, a completed job's warnings) on SQLite and
// PostgreSQL, and the upgrade of a database made by schema version 2, which had neither.
#include <gtest/gtest.h>

#include "adapters/store/migrations.hpp"
#include "store_backends.hpp"

namespace ve::adapters::store::test {
namespace {

using core::ErrorKind;
using core::JobStatus;
using ports::JobRecord;

class ProgressTest : public StoreTest {
 protected:
  std::vector<std::string> notes(const std::string& id) {
    std::vector<std::string> out;
    auto events = store_->job_events(id);
    EXPECT_TRUE(events) << events.error().message;
    if (events) {
      for (const auto& e : *events) out.push_back(e.note);
    }
    return out;
  }
};

TEST_P(ProgressTest, ProgressIsStoredOnlyWhileEncodingAndReadBack) {
  const JobRecord job = make_job("progress");
  ASSERT_TRUE(store_->create_job(job));
  EXPECT_FALSE(find(job.id).progress_percent) << "no progress before the first report";
  EXPECT_EQ(find(job.id).frames_per_second, 0);

  auto early = store_->record_progress(job.id, 5, 10);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().kind, ErrorKind::InvalidInput);
  EXPECT_NE(early.error().message.find("STARTING"), std::string::npos) << early.error().message;

  walk(job.id, JobStatus::Encoding);
  const auto before = find(job.id);
  ASSERT_TRUE(store_->record_progress(job.id, 12.5, 24.25));
  auto read = find(job.id);
  EXPECT_EQ(read.progress_percent, 12.5);
  EXPECT_EQ(read.frames_per_second, 24.25);
  EXPECT_EQ(read.updated_at, before.updated_at) << "progress is not a status change";
  auto encoding = store_->list_jobs(JobStatus::Encoding);
  ASSERT_TRUE(encoding);
  ASSERT_EQ(encoding->size(), 1u);
  EXPECT_EQ(encoding->front().progress_percent, 12.5);

  ASSERT_TRUE(store_->record_progress(job.id, 100, 31));
  EXPECT_EQ(find(job.id).progress_percent, 100);
  EXPECT_EQ(find(job.id).frames_per_second, 31);
  EXPECT_EQ(store_->job_events(job.id)->size(), 4u) << "progress adds no event";

  ASSERT_TRUE(store_->record_status(job.id, JobStatus::Uploading, ""));
  auto late = store_->record_progress(job.id, 10, 1);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().kind, ErrorKind::InvalidInput);
  EXPECT_EQ(find(job.id).progress_percent, 100) << "the last value stays once ENCODING is over";
}

TEST_P(ProgressTest, OutOfRangeValuesAreClampedAndUnknownJobsNotFound) {
  const JobRecord job = make_job("clamped");
  ASSERT_TRUE(store_->create_job(job));
  walk(job.id, JobStatus::Encoding);
  ASSERT_TRUE(store_->record_progress(job.id, 150, -3));
  EXPECT_EQ(find(job.id).progress_percent, 100);
  EXPECT_EQ(find(job.id).frames_per_second, 0);
  ASSERT_TRUE(store_->record_progress(job.id, -1, 5));
  EXPECT_EQ(find(job.id).progress_percent, 0);

  for (const std::string& id : {random_uuid(), std::string("no-such-job")}) {
    auto missing = store_->record_progress(id, 50, 1);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, ErrorKind::NotFound) << missing.error().message;
  }
}

TEST_P(ProgressTest, EventsKeepTheirNotes) {
  const JobRecord done = make_job("warned");
  ASSERT_TRUE(store_->create_job(done));
  walk(done.id, JobStatus::Finishing);
  const std::string warning = "track 0: 3 of 240 video packets were damaged (concealed or skipped)";
  ASSERT_TRUE(store_->record_status(done.id, JobStatus::Completed, warning));
  EXPECT_EQ(find(done.id).error, "") << "a completed job has no error, whatever its note";
  EXPECT_EQ(notes(done.id), (std::vector<std::string>{"", "", "", "", "", "", warning}));

  const JobRecord failed = make_job("failed");
  ASSERT_TRUE(store_->create_job(failed));
  const std::string reason = "in/x.mp4: track 0: the video is mostly damaged: 200 of 240 packets could not be decoded";
  ASSERT_TRUE(store_->record_status(failed.id, JobStatus::Failed, reason));
  EXPECT_EQ(find(failed.id).error, reason);
  EXPECT_EQ(notes(failed.id), (std::vector<std::string>{"", reason}));

  // A redelivery's abandoned attempt keeps the reason on its ABANDONED event too.
  JobRecord first = make_job("redelivered");
  first.message_key = "id:m-1";
  ASSERT_TRUE(store_->create_job(first));
  JobRecord second = make_job("redelivered");
  second.message_key = "id:m-1";
  auto claim = store_->claim_redelivered(second, "abandoned: continued as job " + second.id);
  ASSERT_TRUE(claim) << claim.error().message;
  EXPECT_EQ(notes(first.id), (std::vector<std::string>{"", "abandoned: continued as job " + second.id}));
}

// A database made by schema version 2 (before progress and notes) is upgraded in place at start-up:
// its rows read back with no progress and no notes, and a job left ENCODING can report progress.
TEST_P(ProgressTest, AVersionTwoDatabaseIsUpgradedKeepingItsData) {
  auto old = make_backend(GetParam());
  create_schema(*old, 2);
  const std::string video = "0b0e2a36-2f6b-4c4e-9d1e-0d8c1a9b7f02", job = "6f7e0c55-3d3a-4bb0-8a55-2a3c4d5e6f71";
  const std::string t = "'2026-01-01T00:00:00.000000Z'";
  old->sql("INSERT INTO videos VALUES ('" + video + "', 'res', 'a.mp4', " + t + ")");
  old->sql("INSERT INTO jobs (id, output_bucket_path, status, video_id, error, created_at, updated_at, message_key)"
           " VALUES ('" + job + "', 'out', 'ENCODING', '" + video + "', NULL, " + t + ", " + t + ", 'id:m-9')");
  for (const char* s : {"STARTING", "DOWNLOADING", "FRAGMENTING", "ENCODING"}) {
    old->sql(std::string("INSERT INTO job_events (job_id, status, at) VALUES ('") + job + "', '" + s + "', " + t + ")");
  }

  auto without = old->open(false);
  ASSERT_FALSE(without);
  EXPECT_NE(without.error().message.find("schema version 2"), std::string::npos) << without.error().message;

  auto store = old->open(true);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(old->scalar("SELECT max(version) FROM schema_migrations"), std::to_string(latest_schema_version()));
  auto found = (*store)->find_job(job);
  ASSERT_TRUE(found && found->has_value()) << (found ? "missing" : found.error().message);
  EXPECT_EQ((**found).status, JobStatus::Encoding);
  EXPECT_EQ((**found).message_key, "id:m-9");
  EXPECT_FALSE((**found).progress_percent);
  auto events = (*store)->job_events(job);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 4u);
  for (const auto& e : *events) EXPECT_EQ(e.note, "");

  ASSERT_TRUE((*store)->record_progress(job, 40, 12));
  EXPECT_EQ((**(*store)->find_job(job)).progress_percent, 40);
  EXPECT_EQ(old->scalar("SELECT count(*) FROM job_events"), "4");
}

INSTANTIATE_TEST_SUITE_P(Backends, ProgressTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ve::adapters::store::test
