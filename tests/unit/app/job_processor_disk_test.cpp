// SPDX-License-Identifier: Apache-2.0
// JobProcessor's disk-space check before downloads (JobSettings::disk_space).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>

#include "app/disk_reservations.hpp"
#include "app/job_processor.hpp"
#include "fakes/fakes.hpp"
#include "support/test_support.hpp"

namespace ve::app {
namespace {

using core::JobStatus;
constexpr uint64_t kMiB = 1ULL << 20;

class JobProcessorDiskTest : public ::testing::Test {
 protected:
  JobProcessorDiskTest() {
    settings_.input_bucket = "in";
    settings_.output_bucket = "out";
    settings_.work_root = work_.path();
    settings_.disk_space = &disk_;
    blobs_.put("in", "good.mp4", "video bytes");
  }

  Disposition process(const std::string& file) {
    JobProcessor processor(store_, blobs_, packager_, publisher_, settings_,
                           [this] { return "id-" + std::to_string(++ids_); });
    return processor.process({1, R"({"resource_id": "r1", "file_path": ")" + file + R"("})", "m-1", false});
  }

  ve::testing::TempDir work_;
  std::atomic<uint64_t> free_{1000 * kMiB};
  DiskReservations disk_{"/work", 100 * kMiB,
                         [this](const std::filesystem::path&) -> core::Result<uint64_t> { return free_.load(); }};
  JobSettings settings_;
  fakes::FakeJobStore store_;
  fakes::FakeBlobStore blobs_;
  fakes::FakePackager packager_;
  fakes::FakePublisher publisher_;
  std::atomic<int> ids_{0};
};

TEST_F(JobProcessorDiskTest, AJobThatFitsRunsAndGivesTheSpaceBack) {
  EXPECT_EQ(process("good.mp4"), Disposition::Ack);
  EXPECT_EQ((*store_.list_jobs(std::nullopt))[0].status, JobStatus::Completed);
  EXPECT_EQ(disk_.reserved_bytes(), 0u);
}

TEST_F(JobProcessorDiskTest, AnObjectThatCanNeverFitFailsBeforeDownloading) {
  blobs_.put("in", "huge.mp4", "small stand-in");
  blobs_.pretend_size("in", "huge.mp4", 600 * kMiB);  // needs 1300 MiB of the 1000 free
  EXPECT_EQ(process("huge.mp4"), Disposition::DeadLetter);
  const auto job = (*store_.list_jobs(std::nullopt))[0];
  EXPECT_EQ(job.status, JobStatus::Failed);
  const std::string expected =
      "not enough disk space in /work for in/huge.mp4: needs 1.3 GiB (twice the 600 MiB object plus 100 MiB kept "
      "free), 1000 MiB free; free space there (or lower LOCAL_STORAGE_MIN_FREE_MB) and re-drive the message from "
      "the dead-letter queue";
  EXPECT_EQ(job.error, expected);
  ASSERT_EQ(publisher_.published().size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(publisher_.published()[0])["error"], expected);
  EXPECT_TRUE(ve::testing::list_names(work_.path()).empty());  // nothing downloaded, folder removed
  EXPECT_EQ(disk_.reserved_bytes(), 0u);
}

TEST_F(JobProcessorDiskTest, SpaceHeldByARunningJobRequeues) {
  blobs_.put("in", "big.mp4", "small stand-in");
  blobs_.pretend_size("in", "big.mp4", 300 * kMiB);  // needs 700 MiB
  {
    auto running = disk_.reserve("in/other.mp4", 200 * kMiB);  // holds 400 of the 1000 free
    ASSERT_TRUE(running);
    EXPECT_EQ(process("big.mp4"), Disposition::Requeue);
    EXPECT_TRUE(publisher_.published().empty());
    EXPECT_EQ(disk_.reserved_bytes(), 400 * kMiB);
  }
  EXPECT_EQ(process("big.mp4"), Disposition::Ack);  // the other job finished
  EXPECT_EQ(disk_.reserved_bytes(), 0u);
}

TEST_F(JobProcessorDiskTest, AMissingInputIsNotFoundAsBefore) {
  EXPECT_EQ(process("missing.mp4"), Disposition::DeadLetter);
  EXPECT_EQ((*store_.list_jobs(std::nullopt))[0].error, "input not found: in/missing.mp4");
}

}  // namespace
}  // namespace ve::app
