// SPDX-License-Identifier: Apache-2.0
#include "app/job_processor.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>

#include "fakes/fakes.hpp"
#include "support/test_support.hpp"

namespace ve::app {
namespace {

using core::JobStatus;

class JobProcessorTest : public ::testing::Test {
 protected:
  JobProcessorTest() {
    settings_.input_bucket = "in";
    settings_.output_bucket = "out";
    settings_.work_root = work_.path();
    settings_.upload_concurrency = 2;
    blobs_.put("in", "good.mp4", "video bytes");
    blobs_.put("in", "bad.mp4", "corrupt");
  }

  Disposition process(const std::string& body) {
    JobProcessor processor(store_, blobs_, packager_, publisher_, settings_,
                           [this] { return "id-" + std::to_string(++ids_); });
    return processor.process({1, body, "m-1", false});
  }

  std::vector<JobStatus> history(const std::string& job_id) {
    std::vector<JobStatus> out;
    const auto events = store_.job_events(job_id);
    for (const auto& e : *events) out.push_back(e.status);
    return out;
  }

  ve::testing::TempDir work_;
  JobSettings settings_;
  fakes::FakeJobStore store_;
  fakes::FakeBlobStore blobs_;
  fakes::FakePackager packager_;
  fakes::FakePublisher publisher_;
  std::atomic<int> ids_{0};
};

TEST_F(JobProcessorTest, GoodJobRunsEveryStatusUploadsAndPublishesTheResult) {
  EXPECT_EQ(process(R"({"resource_id": "r1", "file_path": "good.mp4"})"), Disposition::Ack);
  const auto jobs = *store_.list_jobs(std::nullopt);
  ASSERT_EQ(jobs.size(), 1u);
  const auto& job = jobs[0];
  EXPECT_EQ(job.status, JobStatus::Completed);
  EXPECT_EQ(history(job.id),
            (std::vector<JobStatus>{JobStatus::Starting, JobStatus::Downloading, JobStatus::Fragmenting,
                                    JobStatus::Encoding, JobStatus::Uploading, JobStatus::Finishing,
                                    JobStatus::Completed}));
  const auto objects = blobs_.objects();
  const std::string folder = "out/" + job.video.id + "/";
  EXPECT_EQ(objects.count(folder + "manifest.mpd"), 1u);
  EXPECT_EQ(objects.count(folder + "init-video0.mp4"), 1u);
  EXPECT_EQ(objects.at(folder + "seg-video0-00001.m4s"), "segment");

  ASSERT_EQ(publisher_.published().size(), 1u);
  const auto result = nlohmann::json::parse(publisher_.published()[0]);
  EXPECT_EQ(result["job_id"], job.id);
  EXPECT_EQ(result["status"], "COMPLETED");
  EXPECT_EQ(result["output_bucket_path"], "out");
  EXPECT_EQ(result["video"]["encoded_video_folder"], job.video.id);
  EXPECT_EQ(result["video"]["resource_id"], "r1");
  EXPECT_EQ(result["video"]["file_path"], "good.mp4");
  EXPECT_EQ(result["Error"], "");
  EXPECT_TRUE(result["created_at"].is_string());
  EXPECT_TRUE(result["updated_at"].is_string());
  EXPECT_TRUE(ve::testing::list_names(work_.path()).empty()) << "working folder left behind";
}

TEST_F(JobProcessorTest, InvalidMessageIsDeadLetteredWithTheReasonAndNoJob) {
  const std::string body = R"({"resource_id": "r1", "file_path": "../secret.mp4"})";
  EXPECT_EQ(process(body), Disposition::DeadLetter);
  EXPECT_TRUE(store_.list_jobs(std::nullopt)->empty());
  ASSERT_EQ(publisher_.published().size(), 1u);
  const auto failure = nlohmann::json::parse(publisher_.published()[0]);
  EXPECT_EQ(failure["message"], body);
  EXPECT_EQ(failure["error"], "file_path must not contain '..' segments");
}

TEST_F(JobProcessorTest, NonUtf8BodyStillGetsAFailureNotification) {
  EXPECT_EQ(process("\xff\xfe not json"), Disposition::DeadLetter);
  const auto failure = nlohmann::json::parse(publisher_.published().at(0));
  EXPECT_EQ(failure["error"], "message is not valid JSON");
}

TEST_F(JobProcessorTest, MissingInputFailsTheJobWithAnActionableReason) {
  EXPECT_EQ(process(R"({"resource_id": "r2", "file_path": "nope.mp4"})"), Disposition::DeadLetter);
  const auto job = store_.list_jobs(std::nullopt)->at(0);
  EXPECT_EQ(job.status, JobStatus::Failed);
  EXPECT_EQ(job.error, "input not found: in/nope.mp4");
  EXPECT_EQ(history(job.id), (std::vector<JobStatus>{JobStatus::Starting, JobStatus::Downloading, JobStatus::Failed}));
  EXPECT_EQ(nlohmann::json::parse(publisher_.published().at(0))["error"], "input not found: in/nope.mp4");
  EXPECT_TRUE(ve::testing::list_names(work_.path()).empty());
}

TEST_F(JobProcessorTest, CorruptVideoFailsNamingTheObjectNotTheScratchFile) {
  EXPECT_EQ(process(R"({"resource_id": "r3", "file_path": "bad.mp4"})"), Disposition::DeadLetter);
  const auto job = store_.list_jobs(std::nullopt)->at(0);
  EXPECT_EQ(job.status, JobStatus::Failed);
  EXPECT_EQ(job.error, "in/bad.mp4: not a valid MP4 file");
  EXPECT_TRUE(ve::testing::list_names(work_.path()).empty());
}

TEST_F(JobProcessorTest, DatabaseOutageBeforeTheJobRequeuesWithoutPublishing) {
  store_.failures.fail_call(1, core::Error::transient("database unreachable"));
  EXPECT_EQ(process(R"({"resource_id": "r1", "file_path": "good.mp4"})"), Disposition::Requeue);
  EXPECT_TRUE(publisher_.published().empty());
}

TEST_F(JobProcessorTest, DatabaseOutageMidJobRequeues) {
  store_.failures.fail_call(4, core::Error::transient("database unreachable"));  // create, DOWNLOADING, FRAGMENTING, *ENCODING*
  EXPECT_EQ(process(R"({"resource_id": "r1", "file_path": "good.mp4"})"), Disposition::Requeue);
  EXPECT_TRUE(publisher_.published().empty());
  EXPECT_TRUE(ve::testing::list_names(work_.path()).empty());
}

TEST_F(JobProcessorTest, UnpublishedResultRequeuesAJobRecordedAsCompleted) {
  publisher_.failures.fail_call(1, core::Error::transient("broker gone"));
  EXPECT_EQ(process(R"({"resource_id": "r1", "file_path": "good.mp4"})"), Disposition::Requeue);
  EXPECT_EQ(store_.list_jobs(std::nullopt)->at(0).status, JobStatus::Completed);
}

TEST_F(JobProcessorTest, UploadFailureFailsTheJob) {
  blobs_.upload_failures.fail_call(2, core::Error::internal("disk full"));
  EXPECT_EQ(process(R"({"resource_id": "r1", "file_path": "good.mp4"})"), Disposition::DeadLetter);
  const auto job = store_.list_jobs(std::nullopt)->at(0);
  EXPECT_EQ(job.status, JobStatus::Failed);
  EXPECT_EQ(job.error, "disk full");
}

}  // namespace
}  // namespace ve::app
