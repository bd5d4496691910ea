// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "core/job.hpp"
#include "core/metrics.hpp"

namespace ve::app {

// The parts of a job that video_encoder_stage_duration_seconds times.
enum class Stage { Download, Package, Upload };

// What became of a delivery, for video_encoder_messages_total.
enum class MessageOutcome { Received, Acked, Requeued, DeadLettered };

// The service's Prometheus instruments, registered once in one registry (render() is the body of
// `GET /metrics`, served as core::kMetricsContentType). Every method is thread-safe; the object must
// outlive the JobProcessor and run_workers() it is given to. The metrics, all prefixed video_encoder_:
//   build_info{version} 1; process_start_time_seconds (unix time)
//   broker_connected, database_up: 1 or 0, as the caller's readiness checks last found them
//   messages_total{outcome}: received; then acked, requeued or dead_lettered once the broker took the
//     settlement (received minus those three: deliveries in progress or whose settlement failed)
//   jobs_in_progress{stage}: jobs by their current unfinished status, lower case (starting, downloading,
//     fragmenting, encoding, uploading, finishing); sum() over stage is the number of jobs running
//   jobs_finished_total{status} and job_duration_seconds{status}: attempts by outcome (completed, failed,
//     abandoned) and their time from the message's arrival; failed includes messages rejected before
//     a job was recorded (an invalid request)
//   stage_duration_seconds{stage}: download, package (packaging or encoding), upload; successful ones
//   downloaded_bytes_total, uploaded_bytes_total: inputs downloaded, presentation files uploaded
//   encoded_frames_total: source frames encoded (each into every encoded rung; rate() gives frames per
//     second); encode_frames_per_second: the sum of the rates the encoding jobs report now
class ServiceMetrics {
 public:
  explicit ServiceMetrics(const std::string& version,
                          std::chrono::system_clock::time_point started = std::chrono::system_clock::now());
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  // jobs_in_progress follows a job's status: entering an unfinished one counts it there, leaving
  // takes it away; final statuses are not counted (moving to one only leaves the old).
  void job_entered(core::JobStatus status);
  void job_left(core::JobStatus status);
  void job_moved(core::JobStatus from, core::JobStatus to);
  // An attempt ended as `outcome` (Completed, Failed or Abandoned; others are ignored).
  void job_finished(core::JobStatus outcome, std::chrono::duration<double> took);
  void stage_finished(Stage stage, std::chrono::duration<double> took);
  void bytes_downloaded(uint64_t bytes);
  void bytes_uploaded(uint64_t bytes);
  void frames_encoded(uint64_t frames);
  // The current rate of the job encoding under `job` (any address unique while it encodes, e.g. its
  // EncodeMeter's); 0 (or less, or NaN) takes the job out of the sum.
  void encode_rate(const void* job, double frames_per_second);
  void message(MessageOutcome outcome);
  void set_broker_connected(bool connected);
  void set_database_up(bool up);

  std::string render() const { return registry_.render(); }

 private:
  core::Registry registry_;
  core::Gauge& broker_connected_;
  core::Gauge& database_up_;
  core::Family<core::Counter>& messages_;
  core::Family<core::Gauge>& in_progress_;
  core::Family<core::Counter>& jobs_finished_;
  core::Family<core::Histogram>& job_duration_;
  core::Family<core::Histogram>& stage_duration_;
  core::Counter& downloaded_bytes_;
  core::Counter& uploaded_bytes_;
  core::Counter& encoded_frames_;
  core::Gauge& encode_rate_;
  std::mutex rates_mutex_;
  std::map<const void*, double> rates_;  // per job encoding now; the gauge is their sum
};

// One job's encoding as the metrics see it, fed from the packager's progress reports: newly
// encoded frames go to encoded_frames_total, the job's current rate into encode_frames_per_second
// until the meter is destroyed. Does nothing when `metrics` is null. One per job, one thread.
class EncodeMeter {
 public:
  explicit EncodeMeter(ServiceMetrics* metrics) : metrics_(metrics) {}
  ~EncodeMeter();
  EncodeMeter(const EncodeMeter&) = delete;
  EncodeMeter& operator=(const EncodeMeter&) = delete;

  // `frames` encoded so far (a count lower than before adds nothing) at `frames_per_second` (0:
  // unknown, the last rate stays).
  void report(int64_t frames, double frames_per_second);

 private:
  ServiceMetrics* metrics_;
  int64_t frames_ = 0;
};

}  // namespace ve::app
