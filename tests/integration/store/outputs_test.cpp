// SPDX-License-Identifier: Apache-2.0
// A job's output files (record_outputs, job_outputs) on SQLite and PostgreSQL, and the upgrade of a
// database made by schema version 3, which had none.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "adapters/store/migrations.hpp"
#include "store_backends.hpp"

namespace ve::adapters::store::test {
namespace {

using core::ErrorKind;
using core::JobStatus;
using ports::JobRecord;
using ports::OutputFile;
using Files = std::vector<OutputFile>;

Files sorted(Files files) {
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return files;
}

class OutputsTest : public StoreTest {
 protected:
  Files outputs(const std::string& job_id) {
    auto files = store_->job_outputs(job_id);
    EXPECT_TRUE(files) << files.error().message;
    return files ? *files : Files{};
  }
};

TEST_P(OutputsTest, RecordedFilesReadBackSortedByPathWithTheirSizes) {
  const JobRecord job = make_job("outputs");
  ASSERT_TRUE(store_->create_job(job));
  EXPECT_EQ(outputs(job.id), Files{}) << "no files before they are recorded";

  // Byte order whatever the database's collation: upper case before lower, '-' before '/',
  // "seg-10" before "seg-9". Sizes past 32 bits; names a PostgreSQL array literal must escape.
  const Files files = {{"video/360p/seg-00010.m4s", 5'000'000'000},
                       {"poster.jpg", 48'213},
                       {"manifest.mpd", 2'345},
                       {"video/360p/seg-00009.m4s", 612'345},
                       {"video-360p.m3u8", 410},
                       {"Master.m3u8", 0},
                       {"video/360p/init.mp4", 812},
                       {R"(text/odd "name", {x}\y é.vtt)", 77}};
  ASSERT_TRUE(store_->record_outputs(job.id, files));
  const Files read = outputs(job.id);
  EXPECT_EQ(read, sorted(files));
  ASSERT_EQ(read.size(), files.size());
  EXPECT_EQ(read.front().path, "Master.m3u8");
  EXPECT_EQ(read.back().path, "video/360p/seg-00010.m4s");
  EXPECT_EQ(read.back().bytes, 5'000'000'000u);
  EXPECT_EQ(backend_->scalar("SELECT count(*) FROM job_outputs"), std::to_string(files.size()));
}

TEST_P(OutputsTest, RecordingAgainReplacesTheListOfThatJobOnly) {
  const JobRecord job = make_job("replaced"), other = make_job("other");
  ASSERT_TRUE(store_->create_job(job));
  ASSERT_TRUE(store_->create_job(other));
  ASSERT_TRUE(store_->record_outputs(job.id, {{"manifest.mpd", 100}, {"seg-1.m4s", 2000}}));
  ASSERT_TRUE(store_->record_outputs(other.id, {{"manifest.mpd", 7}}));

  ASSERT_TRUE(store_->record_outputs(job.id, {{"seg-2.m4s", 3000}, {"manifest.mpd", 101}}));
  EXPECT_EQ(outputs(job.id), (Files{{"manifest.mpd", 101}, {"seg-2.m4s", 3000}}));
  EXPECT_EQ(outputs(other.id), (Files{{"manifest.mpd", 7}}));

  ASSERT_TRUE(store_->record_outputs(job.id, {}));
  EXPECT_EQ(outputs(job.id), Files{});
  EXPECT_EQ(outputs(other.id), (Files{{"manifest.mpd", 7}}));
}

TEST_P(OutputsTest, UnknownJobsAreNotFoundAndABadListChangesNothing) {
  for (const std::string& id : {random_uuid(), std::string("no-such-job")}) {
    auto recorded = store_->record_outputs(id, {{"manifest.mpd", 1}});
    ASSERT_FALSE(recorded);
    EXPECT_EQ(recorded.error().kind, ErrorKind::NotFound) << recorded.error().message;
    auto read = store_->job_outputs(id);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().kind, ErrorKind::NotFound) << read.error().message;
  }
  EXPECT_EQ(backend_->scalar("SELECT count(*) FROM job_outputs"), "0");

  const JobRecord job = make_job("bad-list");
  ASSERT_TRUE(store_->create_job(job));
  ASSERT_TRUE(store_->record_outputs(job.id, {{"manifest.mpd", 1}}));
  for (const Files& bad : {Files{{"a.m4s", 1}, {"a.m4s", 2}}, Files{{"", 1}}}) {
    auto refused = store_->record_outputs(job.id, bad);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, ErrorKind::InvalidInput) << refused.error().message;
  }
  EXPECT_EQ(outputs(job.id), (Files{{"manifest.mpd", 1}}));
}

TEST_P(OutputsTest, DeletingAJobsVideoCascadesToItsFiles) {
  const JobRecord gone = make_job("gone"), stays = make_job("stays");
  for (const auto* job : {&gone, &stays}) {
    ASSERT_TRUE(store_->create_job(*job));
    ASSERT_TRUE(store_->record_outputs(job->id, {{"manifest.mpd", 10}, {"poster.jpg", 20}}));
  }
  backend_->sql("DELETE FROM videos WHERE id = '" + gone.video.id + "'");
  EXPECT_EQ(backend_->scalar("SELECT count(*) FROM job_outputs"), "2");
  EXPECT_EQ(outputs(stays.id).size(), 2u);
}

// Replacements racing on one job (two stores, four threads): the list read at the end is one
// whole list, never rows of two mixed.
TEST_P(OutputsTest, ConcurrentReplacementsLeaveOneWholeList) {
  auto second = backend_->open(true);
  ASSERT_TRUE(second) << second.error().message;
  const JobRecord job = make_job("raced");
  ASSERT_TRUE(store_->create_job(job));
  std::vector<Files> lists;
  for (int t = 0; t < 4; ++t) {
    Files list;
    for (int i = 0; i < 20; ++i) list.push_back({"t" + std::to_string(t) + "/seg-" + std::to_string(100 + i) + ".m4s", 1000u * t + i});
    lists.push_back(list);
  }
  std::vector<std::string> failures(lists.size());
  {
    std::vector<std::jthread> threads;
    for (size_t t = 0; t < lists.size(); ++t) {
      threads.emplace_back([&, t] {
        ports::JobStore& store = t % 2 ? **second : *store_;
        for (int round = 0; round < 10 && failures[t].empty(); ++round) {
          if (auto ok = store.record_outputs(job.id, lists[t]); !ok) failures[t] = ok.error().message;
        }
      });
    }
  }
  for (const auto& failure : failures) EXPECT_EQ(failure, "");
  const Files last = outputs(job.id);
  EXPECT_TRUE(std::find(lists.begin(), lists.end(), last) != lists.end()) << last.size() << " files, not one thread's list";
}

// A database made by schema version 3 (before output files) is upgraded in place at start-up: its
// jobs keep their history and progress, read back with no files, and can have files recorded.
TEST_P(OutputsTest, AVersionThreeDatabaseIsUpgradedKeepingItsData) {
  auto old = make_backend(GetParam());
  create_schema(*old, 3);
  const std::string video = "0b0e2a36-2f6b-4c4e-9d1e-0d8c1a9b7f02", job = "6f7e0c55-3d3a-4bb0-8a55-2a3c4d5e6f71";
  const std::string t = "'2026-01-01T00:00:00.000000Z'";
  old->sql("INSERT INTO videos VALUES ('" + video + "', 'res', 'a.mp4', " + t + ")");
  old->sql("INSERT INTO jobs (id, output_bucket_path, status, video_id, error, created_at, updated_at, message_key,"
           " progress_percent, frames_per_second)"
           " VALUES ('" + job + "', 'out', 'COMPLETED', '" + video + "', NULL, " + t + ", " + t + ", 'id:m-3', 100, 42.5)");
  for (const char* s : {"STARTING", "DOWNLOADING", "FRAGMENTING", "ENCODING", "UPLOADING", "FINISHING", "COMPLETED"}) {
    old->sql(std::string("INSERT INTO job_events (job_id, status, at, note) VALUES ('") + job + "', '" + s + "', " + t +
             (std::string(s) == "COMPLETED" ? ", 'a warning')" : ", NULL)"));
  }

  auto without = old->open(false);
  ASSERT_FALSE(without);
  EXPECT_NE(without.error().message.find("schema version 3"), std::string::npos) << without.error().message;

  auto store = old->open(true);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(latest_schema_version(), 4);
  EXPECT_EQ(old->scalar("SELECT max(version) FROM schema_migrations"), "4");
  auto found = (*store)->find_job(job);
  ASSERT_TRUE(found && found->has_value()) << (found ? "missing" : found.error().message);
  EXPECT_EQ((**found).status, JobStatus::Completed);
  EXPECT_EQ((**found).message_key, "id:m-3");
  EXPECT_EQ((**found).progress_percent, 100);
  EXPECT_EQ((**found).frames_per_second, 42.5);
  auto events = (*store)->job_events(job);
  ASSERT_TRUE(events) << events.error().message;
  ASSERT_EQ(events->size(), 7u);
  EXPECT_EQ(events->back().note, "a warning");
  auto none = (*store)->job_outputs(job);
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->empty());

  ASSERT_TRUE((*store)->record_outputs(job, {{"manifest.mpd", 1234}}));
  EXPECT_EQ(*(*store)->job_outputs(job), (Files{{"manifest.mpd", 1234}}));
  EXPECT_EQ(old->scalar("SELECT count(*) FROM job_events"), "7");
}

INSTANTIATE_TEST_SUITE_P(Backends, OutputsTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ve::adapters::store::test
