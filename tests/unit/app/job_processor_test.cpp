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

  Disposition process(const std::string& body) { return deliver({1, body, "m-1", false}); }

  Disposition deliver(const ports::Delivery& delivery, std::stop_token cancel = {}) {
    JobProcessor processor(store_, blobs_, packager_, publisher_, settings_,
                           [this] { return "id-" + std::to_string(++ids_); });
    return processor.process(delivery, cancel);
  }

  std::vector<nlohmann::json> results() {
    std::vector<nlohmann::json> out;
    for (const auto& body : publisher_.published()) out.push_back(nlohmann::json::parse(body));
    return out;
  }

  // Objects in the output bucket.
  std::vector<std::string> output_objects() {
    std::vector<std::string> out;
    for (const auto& [key, bytes] : blobs_.objects()) {
      if (key.rfind("out/", 0) == 0) out.push_back(key);
    }
    return out;
  }

  static constexpr const char* kGoodBody = R"({"resource_id": "r1", "file_path": "good.mp4"})";

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

TEST_F(JobProcessorTest, EncodingProgressIsStoredThrottledAndEndsAt100Percent) {
  settings_.progress_interval = std::chrono::hours(1);  // only the first report and the last pass
  EXPECT_EQ(process(kGoodBody), Disposition::Ack);
  const auto job = store_.list_jobs(std::nullopt)->at(0);
  // The fake reports 25 % (10 fps), 50 %, 75 % and then 100 % without a rate.
  EXPECT_EQ(store_.progress_log(job.id), (std::vector<std::pair<double, double>>{{25, 10}, {100, 30}}));
  EXPECT_EQ(job.progress_percent, 100);
  EXPECT_EQ(job.frames_per_second, 30);
  ASSERT_EQ(results().size(), 1u);
  EXPECT_EQ(results()[0]["progress"], 100);
  EXPECT_EQ(results()[0]["status"], "COMPLETED");
}

TEST_F(JobProcessorTest, EveryReportIsStoredWhenTheIntervalAllows) {
  settings_.progress_interval = std::chrono::steady_clock::duration::zero();
  EXPECT_EQ(process(kGoodBody), Disposition::Ack);
  const auto job = store_.list_jobs(std::nullopt)->at(0);
  EXPECT_EQ(store_.progress_log(job.id),
            (std::vector<std::pair<double, double>>{{25, 10}, {50, 20}, {75, 30}, {100, 30}}));
}

TEST_F(JobProcessorTest, AFailingProgressWriteDoesNotFailTheJob) {
  store_.progress_failures.fail_call(1, core::Error::transient("database went away"));
  EXPECT_EQ(process(kGoodBody), Disposition::Ack);
  const auto job = store_.list_jobs(std::nullopt)->at(0);
  EXPECT_EQ(job.status, JobStatus::Completed);
  EXPECT_EQ(job.progress_percent, 100);
}

TEST_F(JobProcessorTest, PackagerWarningsAreKeptAsTheNoteOfTheCompletedEvent) {
  blobs_.put("in", "damaged.mp4", "damaged");
  EXPECT_EQ(process(R"({"resource_id": "r1", "file_path": "damaged.mp4"})"), Disposition::Ack);
  const auto job = store_.list_jobs(std::nullopt)->at(0);
  EXPECT_EQ(job.status, JobStatus::Completed);
  EXPECT_EQ(job.error, "");
  const auto events = *store_.job_events(job.id);
  ASSERT_EQ(events.back().status, JobStatus::Completed);
  EXPECT_EQ(events.back().note,
            "track 0: 3 of 240 video packets were damaged (concealed or skipped); track 1: something else");
  for (size_t i = 0; i + 1 < events.size(); ++i) EXPECT_EQ(events[i].note, "") << core::to_string(events[i].status);
  ASSERT_EQ(results().size(), 1u);
  EXPECT_EQ(results()[0]["Error"], "");  // the result's contract is unchanged
}

TEST_F(JobProcessorTest, AFailedJobsReasonIsAlsoTheNoteOfItsLastEvent) {
  EXPECT_EQ(process(R"({"resource_id": "r1", "file_path": "bad.mp4"})"), Disposition::DeadLetter);
  const auto job = store_.list_jobs(std::nullopt)->at(0);
  EXPECT_EQ(job.status, JobStatus::Failed);
  EXPECT_EQ(store_.job_events(job.id)->back().note, job.error);
  EXPECT_FALSE(job.progress_percent) << "nothing was encoded";
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

TEST_F(JobProcessorTest, DatabaseOutageMidJobRequeuesAndRecordsTheAttemptAbandoned) {
  store_.failures.fail_call(4, core::Error::transient("database unreachable"));  // create, DOWNLOADING, FRAGMENTING, *ENCODING*
  EXPECT_EQ(process(R"({"resource_id": "r1", "file_path": "good.mp4"})"), Disposition::Requeue);
  EXPECT_TRUE(publisher_.published().empty());
  EXPECT_TRUE(ve::testing::list_names(work_.path()).empty());
  const auto job = store_.list_jobs(std::nullopt)->at(0);
  EXPECT_EQ(job.status, JobStatus::Abandoned);
  EXPECT_EQ(job.error, "abandoned: database unreachable; message requeued");
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
  EXPECT_TRUE(output_objects().empty()) << "the part uploaded before the failure stays";
}

// The job's files as the API lists them: each uploaded object below out/<video id>/, by its path
// below that folder and its exact size.
TEST_F(JobProcessorTest, ACompletedJobRecordsEveryFileItUploadedWithItsSize) {
  EXPECT_EQ(process(kGoodBody), Disposition::Ack);
  const auto job = store_.list_jobs(std::nullopt)->at(0);
  ASSERT_EQ(job.status, JobStatus::Completed);
  const std::string folder = "out/" + job.video.id + "/";
  std::vector<ports::OutputFile> uploaded;  // objects() is ordered by key, so by path
  for (const auto& [key, bytes] : blobs_.objects()) {
    if (key.rfind(folder, 0) == 0) uploaded.push_back({key.substr(folder.size()), bytes.size()});
  }
  EXPECT_EQ(uploaded, (std::vector<ports::OutputFile>{{"init-video0.mp4", 4}, {"manifest.mpd", 6}, {"seg-video0-00001.m4s", 7}}));
  EXPECT_EQ(*store_.job_outputs(job.id), uploaded);
}

TEST_F(JobProcessorTest, AFailedUploadRecordsNoFiles) {
  blobs_.upload_failures.fail_call(2, core::Error::internal("disk full"));
  EXPECT_EQ(process(kGoodBody), Disposition::DeadLetter);
  const auto job = store_.list_jobs(std::nullopt)->at(0);
  EXPECT_EQ(job.status, JobStatus::Failed);
  EXPECT_TRUE(store_.job_outputs(job.id)->empty());
}

// Recording the files fails as a status change there would: an outage requeues the message, the
// attempt is ABANDONED and removes its upload.
TEST_F(JobProcessorTest, AnOutageRecordingTheFilesRequeuesAndRemovesTheUpload) {
  store_.outputs_failures.fail_call(1, core::Error::transient("database unreachable"));
  EXPECT_EQ(process(kGoodBody), Disposition::Requeue);
  const auto job = store_.list_jobs(std::nullopt)->at(0);
  EXPECT_EQ(job.status, JobStatus::Abandoned);
  EXPECT_EQ(job.error, "abandoned: database unreachable; message requeued");
  EXPECT_EQ(history(job.id).at(history(job.id).size() - 2), JobStatus::Uploading);
  EXPECT_TRUE(store_.job_outputs(job.id)->empty());
  EXPECT_TRUE(output_objects().empty());
  EXPECT_TRUE(publisher_.published().empty());
}

// An attempt that will never complete removes what it uploaded; one whose COMPLETED may be stored
// keeps it (the stored result would point at nothing).
TEST_F(JobProcessorTest, AnAttemptThatEndsUnfinishedRemovesItsUploadedOutput) {
  // store calls: create, DOWNLOADING, FRAGMENTING, ENCODING, UPLOADING, *FINISHING*, ...
  store_.failures.fail_call(6, core::Error::transient("database unreachable"));
  EXPECT_EQ(process(kGoodBody), Disposition::Requeue);
  EXPECT_EQ(store_.list_jobs(std::nullopt)->at(0).status, JobStatus::Abandoned);
  EXPECT_TRUE(output_objects().empty());
}

TEST_F(JobProcessorTest, AnAttemptOvertakenAtCompletionRemovesItsOutput) {
  store_.failures.fail_call(7, core::Error::conflict("job was abandoned"));  // *COMPLETED*
  EXPECT_EQ(process(kGoodBody), Disposition::Ack);
  EXPECT_TRUE(publisher_.published().empty());
  EXPECT_TRUE(output_objects().empty());
}

TEST_F(JobProcessorTest, CompletionInDoubtKeepsTheOutput) {
  store_.failures.fail_call(7, core::Error::transient("the connection was lost while committing"));
  EXPECT_EQ(process(kGoodBody), Disposition::Requeue);
  EXPECT_EQ(output_objects().size(), 3u);  // manifest, init segment, one media segment
}

TEST_F(JobProcessorTest, AFailingRemovalIsLoggedAndTheJobStillEndsWithItsOwnError) {
  blobs_.upload_failures.fail_call(3, core::Error::internal("disk full"));
  blobs_.remove_failures.fail_call(1, core::Error::transient("storage unreachable"));
  EXPECT_EQ(process(kGoodBody), Disposition::DeadLetter);
  const auto job = store_.list_jobs(std::nullopt)->at(0);
  EXPECT_EQ(job.status, JobStatus::Failed);
  EXPECT_EQ(job.error, "disk full");
  EXPECT_EQ(output_objects().size(), 2u);  // removal stopped at its first failure
}

constexpr const char* kGood = R"({"resource_id": "r1", "file_path": "good.mp4"})";

TEST_F(JobProcessorTest, JobsRecordTheMessageIdentity) {
  ASSERT_EQ(deliver({1, kGood, "m-1", false}), Disposition::Ack);
  ASSERT_EQ(deliver({2, kGood, "", false}), Disposition::Ack);
  const auto jobs = *store_.list_jobs(std::nullopt);  // newest first
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[1].message_key, "id:m-1");
  EXPECT_EQ(jobs[0].message_key.rfind("sha256:", 0), 0u) << jobs[0].message_key;
}

TEST_F(JobProcessorTest, RedeliveredMessageWhoseJobCompletedRepublishesTheSameResult) {
  ASSERT_EQ(deliver({1, kGood, "m-1", false}), Disposition::Ack);
  const auto objects = blobs_.objects();
  EXPECT_EQ(deliver({2, kGood, "m-1", true}), Disposition::Ack);
  const auto published = results();
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[1], published[0]);  // same job_id, same times: a repeat, never a different result
  EXPECT_EQ(store_.list_jobs(std::nullopt)->size(), 1u);
  EXPECT_EQ(blobs_.objects(), objects);  // nothing packaged or uploaded again
}

TEST_F(JobProcessorTest, RedeliveryWithoutMessageIdIsRecognisedByItsBody) {
  ASSERT_EQ(deliver({1, kGood, "", false}), Disposition::Ack);
  EXPECT_EQ(deliver({2, kGood, "", true}), Disposition::Ack);
  EXPECT_EQ(store_.list_jobs(std::nullopt)->size(), 1u);
  ASSERT_EQ(results().size(), 2u);
  EXPECT_EQ(results()[0]["job_id"], results()[1]["job_id"]);
}

TEST_F(JobProcessorTest, FreshMessageWithTheSameBodyIsANewJob) {
  ASSERT_EQ(deliver({1, kGood, "", false}), Disposition::Ack);
  ASSERT_EQ(deliver({2, kGood, "", false}), Disposition::Ack);  // not marked redelivered
  EXPECT_EQ(store_.list_jobs(JobStatus::Completed)->size(), 2u);
  ASSERT_EQ(results().size(), 2u);
  EXPECT_NE(results()[0]["job_id"], results()[1]["job_id"]);
}

TEST_F(JobProcessorTest, RedeliveryAbandonsTheUnfinishedAttemptAndCompletesANewJob) {
  // A worker died while encoding: its job stays ENCODING.
  ports::JobRecord crashed;
  crashed.id = "crashed-job";
  crashed.video.id = "crashed-video";
  crashed.message_key = "id:m-1";
  ASSERT_TRUE(store_.create_job(crashed));
  for (auto s : {JobStatus::Downloading, JobStatus::Fragmenting, JobStatus::Encoding}) ASSERT_TRUE(store_.record_status(crashed.id, s, ""));

  EXPECT_EQ(deliver({7, kGood, "m-1", true}), Disposition::Ack);
  const auto old = **store_.find_job("crashed-job");
  EXPECT_EQ(old.status, JobStatus::Abandoned);
  ASSERT_EQ(results().size(), 1u);
  const std::string new_id = results()[0]["job_id"];
  EXPECT_NE(new_id, "crashed-job");
  EXPECT_NE(old.error.find("continued as job " + new_id), std::string::npos) << old.error;
  EXPECT_EQ((**store_.find_job(new_id)).status, JobStatus::Completed);
  // The abandoned attempt can no longer move: its worker, if alive, gets a Conflict.
  EXPECT_EQ(store_.record_status("crashed-job", JobStatus::Uploading, "").error().kind, core::ErrorKind::Conflict);
}

TEST_F(JobProcessorTest, AttemptTakenOverByALaterDeliveryStopsWithoutPublishing) {
  store_.failures.fail_call(3, core::Error::conflict("job was abandoned"));  // create, DOWNLOADING, *FRAGMENTING*
  EXPECT_EQ(process(kGood), Disposition::Ack);  // the later delivery settles the message
  EXPECT_TRUE(publisher_.published().empty());
  EXPECT_EQ(store_.list_jobs(std::nullopt)->at(0).status, JobStatus::Downloading);  // as the other attempt left it
  EXPECT_TRUE(ve::testing::list_names(work_.path()).empty());
}

TEST_F(JobProcessorTest, UnpublishedResultIsPublishedByTheRedelivery) {
  publisher_.failures.fail_call(1, core::Error::transient("broker gone"));
  ASSERT_EQ(deliver({1, kGood, "m-1", false}), Disposition::Requeue);
  EXPECT_EQ(deliver({2, kGood, "m-1", true}), Disposition::Ack);
  ASSERT_EQ(results().size(), 1u);
  EXPECT_EQ(results()[0]["job_id"], store_.list_jobs(std::nullopt)->at(0).id);
  EXPECT_EQ(store_.list_jobs(std::nullopt)->size(), 1u);
}

TEST_F(JobProcessorTest, CancelledJobIsAbandonedAndRequeued) {
  std::stop_source shutdown;
  shutdown.request_stop();
  EXPECT_EQ(deliver({1, kGood, "m-1", false}, shutdown.get_token()), Disposition::Requeue);
  EXPECT_TRUE(publisher_.published().empty());
  const auto job = store_.list_jobs(std::nullopt)->at(0);
  EXPECT_EQ(job.status, JobStatus::Abandoned);
  EXPECT_NE(job.error.find("shut down"), std::string::npos) << job.error;
  EXPECT_TRUE(ve::testing::list_names(work_.path()).empty());
}

}  // namespace
}  // namespace ve::app
