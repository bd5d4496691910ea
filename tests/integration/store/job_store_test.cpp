// SPDX-License-Identifier: Apache-2.0
// The same suite against SQLite (a temp file) and a real PostgreSQL server (one per test process).
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <set>
#include <thread>

#include "adapters/store/migrations.hpp"
#include "store_backends.hpp"

namespace ve::adapters::store::test {
namespace {

using core::ErrorKind;
using core::JobStatus;
using ports::JobRecord;

ports::TimePoint micros(ports::TimePoint t) { return std::chrono::floor<std::chrono::microseconds>(t); }

class JobStoreTest : public StoreTest {};

TEST_P(JobStoreTest, CreatesFindsAndListsNewestFirst) {
  const JobRecord a = make_job("a"), b = make_job("b"), c = make_job("c");
  for (const auto* job : {&a, &b, &c}) {
    ASSERT_TRUE(store_->create_job(*job));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }

  auto found = store_->find_job(a.id);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(found->has_value());
  const JobRecord& read = **found;
  EXPECT_EQ(read.id, a.id);
  EXPECT_EQ(read.status, JobStatus::Starting);
  EXPECT_EQ(read.error, "");
  EXPECT_EQ(read.output_bucket_path, a.output_bucket_path);
  EXPECT_EQ(read.video.id, a.video.id);
  EXPECT_EQ(read.video.resource_id, "a");
  EXPECT_EQ(read.video.file_path, "uploads/a.mp4");
  EXPECT_EQ(read.created_at, micros(a.created_at));
  EXPECT_EQ(read.updated_at, micros(a.created_at));
  EXPECT_EQ(read.video.created_at, micros(a.video.created_at));

  ASSERT_TRUE(store_->record_status(b.id, JobStatus::Downloading, ""));
  auto all = store_->list_jobs(std::nullopt);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(ids(*all), (std::vector<std::string>{c.id, b.id, a.id}));
  auto downloading = store_->list_jobs(JobStatus::Downloading);
  ASSERT_TRUE(downloading);
  EXPECT_EQ(ids(*downloading), std::vector<std::string>{b.id});
  EXPECT_EQ(downloading->front().status, JobStatus::Downloading);
  auto starting = store_->list_jobs(JobStatus::Starting);
  ASSERT_TRUE(starting);
  EXPECT_EQ(ids(*starting), (std::vector<std::string>{c.id, a.id}));
  auto completed = store_->list_jobs(JobStatus::Completed);
  ASSERT_TRUE(completed);
  EXPECT_TRUE(completed->empty());

  auto missing = store_->find_job(random_uuid());
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  auto not_an_id = store_->find_job("not-a-uuid");
  ASSERT_TRUE(not_an_id);
  EXPECT_FALSE(not_an_id->has_value());
}

TEST_P(JobStoreTest, PagesNewestFirstFromTheLastJobOfThePreviousPage) {
  std::vector<JobRecord> made;
  for (const char* name : {"a", "b", "c", "d", "e"}) {
    made.push_back(make_job(name));
    ASSERT_TRUE(store_->create_job(made.back()));
  }
  // Created within a few microseconds of each other: pages must follow the one order the full
  // list has, ties included.
  ASSERT_TRUE(store_->record_status(made[1].id, JobStatus::Downloading, ""));
  ASSERT_TRUE(store_->record_status(made[3].id, JobStatus::Downloading, ""));
  auto all = store_->list_jobs(ve::ports::JobQuery{});
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 5u);
  std::vector<std::string> paged;
  std::string before;
  for (int page = 0; page < 4; ++page) {
    auto jobs = store_->list_jobs(ve::ports::JobQuery{std::nullopt, 2, before});
    ASSERT_TRUE(jobs) << jobs.error().message;
    if (jobs->empty()) break;
    EXPECT_LE(jobs->size(), 2u);
    for (const auto& j : *jobs) paged.push_back(j.id);
    before = jobs->back().id;
  }
  EXPECT_EQ(paged, ids(*all)) << "pages skip or repeat jobs";
  auto downloading = store_->list_jobs(ve::ports::JobQuery{JobStatus::Downloading, 1, {}});
  ASSERT_TRUE(downloading);
  ASSERT_EQ(downloading->size(), 1u);
  auto rest = store_->list_jobs(ve::ports::JobQuery{JobStatus::Downloading, 0, downloading->front().id});
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((std::set<std::string>{downloading->front().id, rest->front().id}), (std::set<std::string>{made[1].id, made[3].id}));
  auto unknown = store_->list_jobs(ve::ports::JobQuery{std::nullopt, 0, random_uuid()});
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(unknown->empty());
  EXPECT_TRUE(store_->ping());
}

TEST_P(JobStoreTest, UnsetTimesAreStampedByTheStore) {
  JobRecord job = make_job("unset");
  job.created_at = job.updated_at = job.video.created_at = {};
  const auto before = micros(std::chrono::system_clock::now());
  ASSERT_TRUE(store_->create_job(job));
  auto found = store_->find_job(job.id);
  ASSERT_TRUE(found && found->has_value());
  EXPECT_GE((*found)->created_at, before);
  EXPECT_LE((*found)->created_at, std::chrono::system_clock::now());
  EXPECT_GE((*found)->video.created_at, before);
}

TEST_P(JobStoreTest, KeepsTheWholeHistoryInOrder) {
  const JobRecord job = make_job("history");
  ASSERT_TRUE(store_->create_job(job));
  walk(job.id, JobStatus::Completed);

  auto events = store_->job_events(job.id);
  ASSERT_TRUE(events) << events.error().message;
  EXPECT_EQ(statuses(*events), kFullLife);
  EXPECT_EQ(events->front().at, micros(job.created_at));
  for (size_t i = 1; i < events->size(); ++i) EXPECT_GE((*events)[i].at, (*events)[i - 1].at) << i;

  auto found = store_->find_job(job.id);
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->status, JobStatus::Completed);
  EXPECT_EQ((*found)->updated_at, events->back().at);
  EXPECT_GE((*found)->updated_at, (*found)->created_at);
}

TEST_P(JobStoreTest, RejectsForbiddenTransitionsAndRecordsNothing) {
  const JobRecord job = make_job("forbidden");
  ASSERT_TRUE(store_->create_job(job));

  auto skip = store_->record_status(job.id, JobStatus::Uploading, "");
  ASSERT_FALSE(skip);
  EXPECT_EQ(skip.error().kind, ErrorKind::InvalidInput);
  EXPECT_NE(skip.error().message.find("STARTING"), std::string::npos) << skip.error().message;
  auto again = store_->record_status(job.id, JobStatus::Starting, "");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::InvalidInput);
  auto events = store_->job_events(job.id);
  ASSERT_TRUE(events);
  EXPECT_EQ(statuses(*events), std::vector<JobStatus>{JobStatus::Starting});

  walk(job.id, JobStatus::Completed);
  for (JobStatus to : {JobStatus::Uploading, JobStatus::Failed, JobStatus::Completed}) {
    auto after_end = store_->record_status(job.id, to, "late");
    ASSERT_FALSE(after_end) << core::to_string(to);
    EXPECT_EQ(after_end.error().kind, ErrorKind::InvalidInput);
  }
  events = store_->job_events(job.id);
  ASSERT_TRUE(events);
  EXPECT_EQ(statuses(*events), kFullLife);
  auto found = store_->find_job(job.id);
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->status, JobStatus::Completed);
  EXPECT_EQ((*found)->error, "");
}

TEST_P(JobStoreTest, KeepsTheErrorTextOfAFailure) {
  const JobRecord job = make_job("fails");
  ASSERT_TRUE(store_->create_job(job));
  ASSERT_TRUE(store_->record_status(job.id, JobStatus::Downloading, "ignored unless FAILED"));
  auto found = store_->find_job(job.id);
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->error, "");

  const std::string reason = "input not found: videos-input/uploads/fails.mp4 (it's gone; \"quotes\" kept)";
  ASSERT_TRUE(store_->record_status(job.id, JobStatus::Failed, reason));
  found = store_->find_job(job.id);
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->status, JobStatus::Failed);
  EXPECT_EQ((*found)->error, reason);
  auto failed = store_->list_jobs(JobStatus::Failed);
  ASSERT_TRUE(failed);
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ(failed->front().error, reason);
  auto events = store_->job_events(job.id);
  ASSERT_TRUE(events);
  EXPECT_EQ(statuses(*events), (std::vector<JobStatus>{JobStatus::Starting, JobStatus::Downloading, JobStatus::Failed}));
}

TEST_P(JobStoreTest, UnknownJobsAreNotFound) {
  for (const std::string& id : {random_uuid(), std::string("no-such-job")}) {
    auto status = store_->record_status(id, JobStatus::Downloading, "");
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().kind, ErrorKind::NotFound) << status.error().message;
    EXPECT_NE(status.error().message.find(id), std::string::npos) << status.error().message;
    auto events = store_->job_events(id);
    ASSERT_FALSE(events);
    EXPECT_EQ(events.error().kind, ErrorKind::NotFound);
  }
}

TEST_P(JobStoreTest, RejectsDuplicateAndMalformedJobsButSharesVideos) {
  const JobRecord job = make_job("dup");
  ASSERT_TRUE(store_->create_job(job));
  auto duplicate = store_->create_job(job);
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().kind, ErrorKind::InvalidInput);

  JobRecord bad = make_job("bad");
  bad.id = "job-1";
  auto malformed = store_->create_job(bad);
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().kind, ErrorKind::InvalidInput);

  // A second job for the same video (a retry) is fine.
  const JobRecord retry = make_job("dup", job.video.id);
  ASSERT_TRUE(store_->create_job(retry));
  auto all = store_->list_jobs(std::nullopt);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
  EXPECT_EQ(backend_->scalar("SELECT count(*) FROM videos"), "1");
}

TEST_P(JobStoreTest, MigrationsAreIdempotent) {
  const JobRecord job = make_job("kept");
  ASSERT_TRUE(store_->create_job(job));
  for (bool migrate : {true, true, false}) {
    auto again = backend_->open(migrate);
    ASSERT_TRUE(again) << again.error().message;
    auto found = (*again)->find_job(job.id);
    ASSERT_TRUE(found && found->has_value());
  }
  EXPECT_EQ(backend_->scalar("SELECT count(*) FROM schema_migrations"), std::to_string(migrations().size()));
  EXPECT_EQ(backend_->scalar("SELECT max(version) FROM schema_migrations"), std::to_string(latest_schema_version()));
}

// Several services starting at once on an empty database: one migrates, the others wait and find
// the schema ready.
TEST_P(JobStoreTest, ConcurrentFirstOpensMigrateOnce) {
  auto fresh = make_backend(GetParam());
  constexpr int kOpeners = 4;
  std::array<std::string, kOpeners> failures;
  {
    std::vector<std::jthread> openers;
    for (int i = 0; i < kOpeners; ++i) {
      openers.emplace_back([&, i] {
        auto store = fresh->open(true);
        if (!store) failures[i] = store.error().message;
      });
    }
  }
  for (const auto& failure : failures) EXPECT_EQ(failure, "");
  EXPECT_EQ(fresh->scalar("SELECT count(*) FROM schema_migrations"), std::to_string(migrations().size()));
}

TEST_P(JobStoreTest, WithoutAutoMigrateAnEmptyDatabaseFailsClearly) {
  auto empty = make_backend(GetParam());
  auto nothing = empty->open(false);
  ASSERT_FALSE(nothing);
  EXPECT_EQ(nothing.error().kind, ErrorKind::Internal);
  EXPECT_NE(nothing.error().message.find("AUTO_MIGRATE_DB=true"), std::string::npos) << nothing.error().message;

  empty->sql("CREATE TABLE unrelated (x integer)");
  auto no_schema = empty->open(false);
  ASSERT_FALSE(no_schema);
  EXPECT_NE(no_schema.error().message.find("AUTO_MIGRATE_DB=true"), std::string::npos) << no_schema.error().message;
  EXPECT_EQ(empty->scalar("SELECT count(*) FROM unrelated"), "0");

  auto migrated = empty->open(true);
  ASSERT_TRUE(migrated) << migrated.error().message;
  EXPECT_TRUE(empty->open(false));
}

TEST_P(JobStoreTest, DeletingAVideoCascadesToItsJobsAndEvents) {
  const JobRecord first = make_job("gone");
  const JobRecord second = make_job("gone", first.video.id);
  const JobRecord other = make_job("stays");
  for (const auto* job : {&first, &second, &other}) ASSERT_TRUE(store_->create_job(*job));
  walk(first.id, JobStatus::Encoding);
  walk(other.id, JobStatus::Fragmenting);

  backend_->sql("DELETE FROM videos WHERE id = '" + first.video.id + "'");

  for (const auto* job : {&first, &second}) {
    auto found = store_->find_job(job->id);
    ASSERT_TRUE(found);
    EXPECT_FALSE(found->has_value());
    auto events = store_->job_events(job->id);
    ASSERT_FALSE(events);
    EXPECT_EQ(events.error().kind, ErrorKind::NotFound);
  }
  EXPECT_EQ(backend_->scalar("SELECT count(*) FROM jobs"), "1");
  EXPECT_EQ(backend_->scalar("SELECT count(*) FROM job_events"), "3");
  auto all = store_->list_jobs(std::nullopt);
  ASSERT_TRUE(all);
  EXPECT_EQ(ids(*all), std::vector<std::string>{other.id});
}

// Eight threads on two stores over one database: each walks its own jobs to the end while all of
// them race to move one shared job forward. Every step of the shared job must be taken exactly once.
TEST_P(JobStoreTest, ConcurrentCallsFromEightThreads) {
  auto second = backend_->open(true);
  ASSERT_TRUE(second) << second.error().message;
  std::array<ports::JobStore*, 2> stores = {store_.get(), second->get()};
  const JobRecord shared = make_job("shared");
  ASSERT_TRUE(store_->create_job(shared));

  constexpr int kThreads = 8, kJobsPerThread = 4;
  std::array<std::vector<std::string>, kThreads> problems;
  std::array<int, kThreads> shared_steps{};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        ports::JobStore& store = *stores[t % 2];
        auto note = [&](const std::string& what, const core::Error& e) { problems[t].push_back(what + ": " + e.message); };
        for (size_t i = 1; i < kFullLife.size(); ++i) {
          auto ok = store.record_status(shared.id, kFullLife[i], "");
          if (ok) {
            ++shared_steps[t];
          } else if (ok.error().kind != ErrorKind::InvalidInput) {
            note("shared step", ok.error());
          }
        }
        for (int j = 0; j < kJobsPerThread; ++j) {
          const JobRecord job = make_job("t" + std::to_string(t) + "-" + std::to_string(j));
          if (auto ok = store.create_job(job); !ok) note("create", ok.error());
          for (size_t i = 1; i < kFullLife.size(); ++i) {
            if (auto ok = store.record_status(job.id, kFullLife[i], ""); !ok) note("step", ok.error());
          }
          if (auto listed = store.list_jobs(JobStatus::Completed); !listed) note("list", listed.error());
        }
      });
    }
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_TRUE(problems[t].empty()) << "thread " << t << ": " << problems[t].front();

  int steps = 0;
  for (int s : shared_steps) steps += s;
  EXPECT_EQ(steps, static_cast<int>(kFullLife.size()) - 1);
  auto events = store_->job_events(shared.id);
  ASSERT_TRUE(events);
  EXPECT_EQ(statuses(*events), kFullLife);
  for (size_t i = 1; i < events->size(); ++i) EXPECT_GE((*events)[i].at, (*events)[i - 1].at);

  auto completed = store_->list_jobs(JobStatus::Completed);
  ASSERT_TRUE(completed);
  EXPECT_EQ(completed->size(), static_cast<size_t>(kThreads * kJobsPerThread + 1));
  EXPECT_EQ(backend_->scalar("SELECT count(*) FROM job_events"),
            std::to_string((kThreads * kJobsPerThread + 1) * kFullLife.size()));
}

INSTANTIATE_TEST_SUITE_P(Backends, JobStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ve::adapters::store::test
