// SPDX-License-Identifier: Apache-2.0
#include "app/service_metrics.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <sstream>

#include "support/test_support.hpp"

namespace ve::app {
namespace {

using core::JobStatus;
using ve::testing::metric_sample;

// Every "# TYPE" line, in order.
std::vector<std::string> type_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# TYPE ", 0) == 0) out.push_back(line.substr(7));
  }
  return out;
}

const std::chrono::system_clock::time_point kStarted{std::chrono::milliseconds(1700000000250)};

TEST(ServiceMetrics, EveryMetricIsThereFromTheStart) {
  const ServiceMetrics metrics("1.4.0", kStarted);
  const std::string text = metrics.render();
  EXPECT_EQ(type_lines(text), (std::vector<std::string>{
                                  "video_encoder_broker_connected gauge",
                                  "video_encoder_database_up gauge",
                                  "video_encoder_messages_total counter",
                                  "video_encoder_jobs_in_progress gauge",
                                  "video_encoder_jobs_finished_total counter",
                                  "video_encoder_job_duration_seconds histogram",
                                  "video_encoder_stage_duration_seconds histogram",
                                  "video_encoder_downloaded_bytes_total counter",
                                  "video_encoder_uploaded_bytes_total counter",
                                  "video_encoder_encoded_frames_total counter",
                                  "video_encoder_encode_frames_per_second gauge",
                                  "video_encoder_build_info gauge",
                                  "video_encoder_process_start_time_seconds gauge",
                              }));
  EXPECT_EQ(metric_sample(text, R"(video_encoder_build_info{version="1.4.0"})"), "1");
  EXPECT_EQ(metric_sample(text, "video_encoder_process_start_time_seconds"), "1700000000.25");
  EXPECT_EQ(metric_sample(text, "video_encoder_broker_connected"), "0");
  EXPECT_EQ(metric_sample(text, "video_encoder_database_up"), "0");
  for (const char* outcome : {"received", "acked", "requeued", "dead_lettered"}) {
    EXPECT_EQ(metric_sample(text, std::string(R"(video_encoder_messages_total{outcome=")") + outcome + "\"}"), "0");
  }
  for (const char* stage : {"starting", "downloading", "fragmenting", "encoding", "uploading", "finishing"}) {
    EXPECT_EQ(metric_sample(text, std::string(R"(video_encoder_jobs_in_progress{stage=")") + stage + "\"}"), "0");
  }
  for (const char* status : {"completed", "failed", "abandoned"}) {
    const std::string labels = std::string(R"({status=")") + status + "\"";
    EXPECT_EQ(metric_sample(text, "video_encoder_jobs_finished_total" + labels + "}"), "0");
    EXPECT_EQ(metric_sample(text, "video_encoder_job_duration_seconds_bucket" + labels + R"(,le="3600"})"), "0");
    EXPECT_EQ(metric_sample(text, "video_encoder_job_duration_seconds_count" + labels + "}"), "0");
  }
  for (const char* stage : {"download", "package", "upload"}) {
    EXPECT_EQ(metric_sample(text, std::string(R"(video_encoder_stage_duration_seconds_count{stage=")") + stage + "\"}"), "0");
  }
  EXPECT_EQ(metric_sample(text, "video_encoder_downloaded_bytes_total"), "0");
  EXPECT_EQ(metric_sample(text, "video_encoder_encode_frames_per_second"), "0");
}

TEST(ServiceMetrics, InProgressFollowsTheJobsStatus) {
  ServiceMetrics metrics("v");
  metrics.job_entered(JobStatus::Starting);
  metrics.job_entered(JobStatus::Starting);
  metrics.job_moved(JobStatus::Starting, JobStatus::Downloading);
  std::string text = metrics.render();
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_in_progress{stage="starting"})"), "1");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_in_progress{stage="downloading"})"), "1");
  metrics.job_moved(JobStatus::Downloading, JobStatus::Failed);  // a final status only leaves
  metrics.job_left(JobStatus::Starting);
  metrics.job_left(JobStatus::Completed);  // nothing to leave
  text = metrics.render();
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_in_progress{stage="starting"})"), "0");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_in_progress{stage="downloading"})"), "0");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_in_progress{stage="failed"})"), "absent");
}

TEST(ServiceMetrics, FinishedJobsAreCountedAndTimedByOutcome) {
  ServiceMetrics metrics("v");
  metrics.job_finished(JobStatus::Completed, std::chrono::seconds(90));
  metrics.job_finished(JobStatus::Completed, std::chrono::milliseconds(1500));
  metrics.job_finished(JobStatus::Abandoned, std::chrono::seconds(4000));
  metrics.job_finished(JobStatus::Encoding, std::chrono::seconds(1));  // not an outcome: ignored
  metrics.stage_finished(Stage::Upload, std::chrono::milliseconds(250));
  const std::string text = metrics.render();
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_finished_total{status="completed"})"), "2");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_finished_total{status="abandoned"})"), "1");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_jobs_finished_total{status="failed"})"), "0");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_job_duration_seconds_bucket{status="completed",le="1"})"), "0");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_job_duration_seconds_bucket{status="completed",le="2.5"})"), "1");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_job_duration_seconds_bucket{status="completed",le="120"})"), "2");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_job_duration_seconds_sum{status="completed"})"), "91.5");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_job_duration_seconds_bucket{status="abandoned",le="3600"})"), "0");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_job_duration_seconds_bucket{status="abandoned",le="7200"})"), "1");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_stage_duration_seconds_bucket{stage="upload",le="0.1"})"), "0");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_stage_duration_seconds_bucket{stage="upload",le="0.25"})"), "1");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_stage_duration_seconds_count{stage="download"})"), "0");
}

TEST(ServiceMetrics, MessagesBytesAndReadiness) {
  ServiceMetrics metrics("v");
  metrics.message(MessageOutcome::Received);
  metrics.message(MessageOutcome::Received);
  metrics.message(MessageOutcome::DeadLettered);
  metrics.bytes_downloaded(5'000'000'000);
  metrics.bytes_uploaded(17);
  metrics.bytes_uploaded(3);
  metrics.set_broker_connected(true);
  metrics.set_database_up(true);
  metrics.set_database_up(false);
  const std::string text = metrics.render();
  EXPECT_EQ(metric_sample(text, R"(video_encoder_messages_total{outcome="received"})"), "2");
  EXPECT_EQ(metric_sample(text, R"(video_encoder_messages_total{outcome="dead_lettered"})"), "1");
  EXPECT_EQ(metric_sample(text, "video_encoder_downloaded_bytes_total"), "5000000000");
  EXPECT_EQ(metric_sample(text, "video_encoder_uploaded_bytes_total"), "20");
  EXPECT_EQ(metric_sample(text, "video_encoder_broker_connected"), "1");
  EXPECT_EQ(metric_sample(text, "video_encoder_database_up"), "0");
}

TEST(ServiceMetrics, TheEncodeRateIsTheSumOfTheJobsEncodingNow) {
  ServiceMetrics metrics("v");
  auto rate = [&] { return metric_sample(metrics.render(), "video_encoder_encode_frames_per_second"); };
  auto frames = [&] { return metric_sample(metrics.render(), "video_encoder_encoded_frames_total"); };
  std::optional<EncodeMeter> first(&metrics);
  {
    EncodeMeter second(&metrics);
    first->report(10, 30.5);
    second.report(4, 12.25);
    EXPECT_EQ(rate(), "42.75");
    first->report(20, 0);  // no rate: the last one stays
    second.report(3, 12.5);  // fewer frames than before add none
    EXPECT_EQ(rate(), "43");
    EXPECT_EQ(frames(), "24");
  }
  EXPECT_EQ(rate(), "30.5");
  first.reset();
  EXPECT_EQ(rate(), "0");
  EXPECT_EQ(frames(), "24");

  EncodeMeter without_metrics(nullptr);
  without_metrics.report(100, 50);  // does nothing
  EXPECT_EQ(frames(), "24");
}

}  // namespace
}  // namespace ve::app
