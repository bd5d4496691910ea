// SPDX-License-Identifier: Apache-2.0
// What JobProcessor records in the service metrics: jobs by outcome, stage times, bytes, frames,
// and the in-progress gauge, back at zero once a job has ended however it ended.
#include <gtest/gtest.h>

#include <atomic>

#include "app/job_processor.hpp"
#include "app/service_metrics.hpp"
#include "fakes/fakes.hpp"
#include "support/test_support.hpp"

namespace ve::app {
namespace {

using ve::testing::metric_sample;

// The fake packager, with the metrics rendered while the job encodes (at its 75 % report).
class ProbingPackager final : public ports::Packager {
 public:
  explicit ProbingPackager(const ServiceMetrics& metrics) : metrics_(metrics) {}
  core::Result<ports::PackageSummary> package(const std::filesystem::path& input, const std::filesystem::path& output_dir,
                                              const ports::PackageOptions& options,
                                              const ports::ProgressFn& progress) override {
    const ports::ProgressFn probe = [&](const ports::Progress& p) {
      progress(p);
      if (p.fraction == 0.75) while_encoding = metrics_.render();
    };
    return inner_.package(input, output_dir, options, probe);
  }
  std::string while_encoding;

 private:
  const ServiceMetrics& metrics_;
  fakes::FakePackager inner_;
};

class JobProcessorMetricsTest : public ::testing::Test {
 protected:
  JobProcessorMetricsTest() {
    settings_.input_bucket = "in";
    settings_.output_bucket = "out";
    settings_.work_root = work_.path();
    settings_.upload_concurrency = 2;
    settings_.metrics = &metrics_;
    blobs_.put("in", "good.mp4", "video bytes");  // 11 bytes
    blobs_.put("in", "bad.mp4", "corrupt");       // 7 bytes
  }

  Disposition process(const std::string& body) {
    JobProcessor processor(store_, blobs_, packager_, publisher_, settings_,
                           [this] { return "id-" + std::to_string(++ids_); });
    return processor.process({1, body, "m-1", false});
  }

  static void expect_nothing_in_progress(const std::string& text) {
    for (const char* stage : {"starting", "downloading", "fragmenting", "encoding", "uploading", "finishing"}) {
      EXPECT_EQ(metric_sample(text, std::string(R"(video_encoder_jobs_in_progress{stage=")") + stage + "\"}"), "0")
          << stage;
    }
  }

  ServiceMetrics metrics_{"test"};
  ve::testing::TempDir work_;
  JobSettings settings_;
  fakes::FakeJobStore store_;
  fakes::FakeBlobStore blobs_;
  ProbingPackager packager_{metrics_};
  fakes::FakePublisher publisher_;
  std::atomic<int> ids_{0};
};

TEST_F(JobProcessorMetricsTest, ACompletedJobIsCountedWithItsStagesBytesAndFrames) {
  ASSERT_EQ(process(R"({"resource_id": "r1", "file_path": "good.mp4"})"), Disposition::Ack);

  const std::string& during = packager_.while_encoding;
  EXPECT_EQ(metric_sample(during, R"(video_encoder_jobs_in_progress{stage="encoding"})"), "1") << during;
  EXPECT_EQ(metric_sample(during, R"(video_encoder_jobs_in_progress{stage="downloading"})"), "0");
  EXPECT_EQ(metric_sample(during, "video_encoder_encode_frames_per_second"), "30");  // the fake's third report
  EXPECT_EQ(metric_sample(during, "video_encoder_encoded_frames_total"), "30");
  EXPECT_EQ(metric_sample(during, R"(video_encoder_stage_duration_seconds_count{stage="download"})"), "1");
  EXPECT_EQ(metric_sample(during, R"(video_encoder_stage_duration_seconds_count{stage="package"})"), "0");

  const std::string text = metrics_.render();
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_finished_total{status="completed"})"), "1") << text;
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_finished_total{status="failed"})"), "0");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_finished_total{status="abandoned"})"), "0");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_job_duration_seconds_count{status="completed"})"), "1");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_job_duration_seconds_bucket{status="completed",le="+Inf"})"), "1");
  for (const char* stage : {"download", "package", "upload"}) {
    EXPECT_EQ(metric_sample(text, std::string(R"(video_encoder_stage_duration_seconds_count{stage=")") + stage + "\"}"), "1")
        << stage;
  }
  EXPECT_EQ(metric_sample(text, "video_encoder_downloaded_bytes_total"), "11");
  EXPECT_EQ(metric_sample(text, "video_encoder_uploaded_bytes_total"), "17");  // <MPD/>, init, segment
  EXPECT_EQ(metric_sample(text, "video_encoder_encoded_frames_total"), "30");
  EXPECT_EQ(metric_sample(text, "video_encoder_encode_frames_per_second"), "0");
  expect_nothing_in_progress(text);
}

TEST_F(JobProcessorMetricsTest, ACorruptInputFailsTheJobAfterItsDownload) {
  ASSERT_EQ(process(R"({"resource_id": "r1", "file_path": "bad.mp4"})"), Disposition::DeadLetter);
  const std::string text = metrics_.render();
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_finished_total{status="failed"})"), "1") << text;
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_finished_total{status="completed"})"), "0");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_job_duration_seconds_count{status="failed"})"), "1");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_stage_duration_seconds_count{stage="download"})"), "1");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_stage_duration_seconds_count{stage="package"})"), "0");
  EXPECT_EQ(metric_sample(text, "video_encoder_downloaded_bytes_total"), "7");
  EXPECT_EQ(metric_sample(text, "video_encoder_uploaded_bytes_total"), "0");
  expect_nothing_in_progress(text);
}

TEST_F(JobProcessorMetricsTest, AnInvalidMessageCountsAsAFailedJob) {
  ASSERT_EQ(process("not json"), Disposition::DeadLetter);
  const std::string text = metrics_.render();
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_finished_total{status="failed"})"), "1") << text;
  EXPECT_EQ(metric_sample(text, R"(video_encoder_job_duration_seconds_count{status="failed"})"), "1");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_stage_duration_seconds_count{stage="download"})"), "0");
  expect_nothing_in_progress(text);
}

TEST_F(JobProcessorMetricsTest, AnInterruptedJobIsCountedAbandoned) {
  blobs_.upload_failures.fail_call(2, core::Error::transient("storage is down"));
  ASSERT_EQ(process(R"({"resource_id": "r1", "file_path": "good.mp4"})"), Disposition::Requeue);
  const std::string text = metrics_.render();
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_finished_total{status="abandoned"})"), "1") << text;
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_finished_total{status="completed"})"), "0");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_stage_duration_seconds_count{stage="package"})"), "1");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_stage_duration_seconds_count{stage="upload"})"), "0");
  expect_nothing_in_progress(text);
}

}  // namespace
}  // namespace ve::app
