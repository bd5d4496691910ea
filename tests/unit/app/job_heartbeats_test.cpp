// SPDX-License-Identifier: Apache-2.0
// The liveness probe's view of running jobs: JobHeartbeats on its own, and what JobProcessor
// reports to it while a job runs.
#include "app/job_heartbeats.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "app/job_processor.hpp"
#include "fakes/fakes.hpp"
#include "support/test_support.hpp"

namespace ve::app {
namespace {

using namespace std::chrono_literals;
using Clock = JobHeartbeats::Clock;

TEST(JobHeartbeats, AJobIsStuckOnceItShowsNoProgressForTheLimit) {
  JobHeartbeats beats(60s);
  const Clock::time_point t0{};
  beats.started("j1", "DOWNLOADING", t0);
  EXPECT_EQ(beats.stuck(t0 + 59s), "");
  EXPECT_EQ(beats.stuck(t0 + 61s), "job j1 has shown no progress for 61 s (DOWNLOADING; limit 60 s)");
  beats.progressed("j1", "ENCODING", t0 + 61s);
  EXPECT_EQ(beats.stuck(t0 + 62s), "");
  beats.progressed("j1", "", t0 + 100s);  // progress without a new status keeps the old one
  EXPECT_EQ(beats.stuck(t0 + 170s), "job j1 has shown no progress for 70 s (ENCODING; limit 60 s)");
  beats.ended("j1");
  EXPECT_EQ(beats.stuck(t0 + 10h), "");
}

TEST(JobHeartbeats, ProgressOfAJobThatEndedOrNeverStartedIsIgnored) {
  JobHeartbeats beats(60s);
  const Clock::time_point t0{};
  beats.progressed("ghost", "ENCODING", t0);
  EXPECT_EQ(beats.stuck(t0 + 1h), "");
}

TEST(JobHeartbeats, AZeroLimitNeverReportsAStuckJob) {
  JobHeartbeats beats(0s);
  beats.started("j1", "ENCODING", Clock::time_point{});
  EXPECT_EQ(beats.stuck(Clock::time_point{} + 24h), "");
}

// The fake packager, with the heartbeats read while the job encodes (at its 75 % report).
class ProbingPackager final : public ports::Packager {
 public:
  explicit ProbingPackager(const JobHeartbeats& beats) : beats_(beats) {}
  core::Result<ports::PackageSummary> package(const std::filesystem::path& input, const std::filesystem::path& output_dir,
                                              const ports::PackageOptions& options,
                                              const ports::ProgressFn& progress) override {
    const ports::ProgressFn probe = [&](const ports::Progress& p) {
      progress(p);
      if (p.fraction == 0.75) {
        soon = beats_.stuck(Clock::now() + 50s);
        later = beats_.stuck(Clock::now() + 70s);
      }
    };
    return inner_.package(input, output_dir, options, probe);
  }
  std::string soon, later;

 private:
  const JobHeartbeats& beats_;
  fakes::FakePackager inner_;
};

TEST(JobHeartbeats, JobProcessorReportsAJobFromItsStartToItsEnd) {
  JobHeartbeats beats(60s);
  ve::testing::TempDir work;
  JobSettings settings;
  settings.input_bucket = "in";
  settings.output_bucket = "out";
  settings.work_root = work.path();
  settings.heartbeats = &beats;
  fakes::FakeJobStore store;
  fakes::FakeBlobStore blobs;
  blobs.put("in", "good.mp4", "video bytes");
  ProbingPackager packager(beats);
  fakes::FakePublisher publisher;
  std::atomic<int> ids{0};
  JobProcessor processor(store, blobs, packager, publisher, settings, [&] { return "id-" + std::to_string(++ids); });

  ASSERT_EQ(processor.process({1, R"({"resource_id": "r1", "file_path": "good.mp4"})", "m-1", false}), Disposition::Ack);
  EXPECT_EQ(packager.soon, "") << "the encoding report just made is progress";
  EXPECT_NE(packager.later.find("has shown no progress for 70 s (ENCODING; limit 60 s)"), std::string::npos) << packager.later;
  EXPECT_EQ(packager.later.rfind("job id-", 0), 0u) << packager.later;
  EXPECT_EQ(beats.stuck(Clock::now() + 1h), "") << "the job ended";
}

}  // namespace
}  // namespace ve::app
