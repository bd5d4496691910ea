// SPDX-License-Identifier: Apache-2.0
#include "app/service_metrics.hpp"

#include <cctype>
#include <cmath>

namespace ve::app {
namespace {

// Jobs take seconds (a short repackaging) to an hour (a long 4K ladder); an invalid message fails
// in milliseconds.
const std::vector<double> kJobSeconds = {0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 2700, 3600, 7200};
// Downloads and uploads of small files take well under a second.
const std::vector<double> kStageSeconds = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600};

// A job status as a label value: "completed", "downloading".
std::string status_label(core::JobStatus status) {
  std::string label = core::to_string(status);
  for (char& c : label) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return label;
}

const char* stage_label(Stage stage) {
  switch (stage) {
    case Stage::Download: return "download";
    case Stage::Package: return "package";
    case Stage::Upload: return "upload";
  }
  return "?";
}

const char* outcome_label(MessageOutcome outcome) {
  switch (outcome) {
    case MessageOutcome::Received: return "received";
    case MessageOutcome::Acked: return "acked";
    case MessageOutcome::Requeued: return "requeued";
    case MessageOutcome::DeadLettered: return "dead_lettered";
  }
  return "?";
}

// Microseconds (exact in a double) divided once, so a start at .25 s reads .25, not .2499998.
double unix_seconds(std::chrono::system_clock::time_point t) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  return static_cast<double>(micros) / 1e6;
}

constexpr core::JobStatus kUnfinished[] = {core::JobStatus::Starting,  core::JobStatus::Downloading,
                                           core::JobStatus::Fragmenting, core::JobStatus::Encoding,
                                           core::JobStatus::Uploading, core::JobStatus::Finishing};
constexpr core::JobStatus kOutcomes[] = {core::JobStatus::Completed, core::JobStatus::Failed, core::JobStatus::Abandoned};

}  // namespace

ServiceMetrics::ServiceMetrics(const std::string& version, std::chrono::system_clock::time_point started)
    : broker_connected_(registry_.gauge("video_encoder_broker_connected",
                                        "1 when the service is connected to the message broker, else 0.").get()),
      database_up_(registry_.gauge("video_encoder_database_up", "1 when the job database answers, else 0.").get()),
      messages_(registry_.counter("video_encoder_messages_total",
                                  "Job messages received, and how the broker was told to settle them.", {"outcome"})),
      in_progress_(registry_.gauge("video_encoder_jobs_in_progress",
                                   "Jobs being processed, by their current status.", {"stage"})),
      jobs_finished_(registry_.counter("video_encoder_jobs_finished_total",
                                       "Job attempts that ended, by outcome (failed includes invalid messages).",
                                       {"status"})),
      job_duration_(registry_.histogram("video_encoder_job_duration_seconds",
                                        "Time from a job message's arrival to its outcome.", kJobSeconds, {"status"})),
      stage_duration_(registry_.histogram("video_encoder_stage_duration_seconds",
                                          "Time of each successful job stage: download, package (packaging or "
                                          "encoding), upload.",
                                          kStageSeconds, {"stage"})),
      downloaded_bytes_(registry_.counter("video_encoder_downloaded_bytes_total", "Bytes of input videos downloaded.").get()),
      uploaded_bytes_(registry_.counter("video_encoder_uploaded_bytes_total",
                                        "Bytes of presentation files uploaded.").get()),
      encoded_frames_(registry_.counter("video_encoder_encoded_frames_total",
                                        "Source video frames encoded (each one into every encoded rendition).").get()),
      encode_rate_(registry_.gauge("video_encoder_encode_frames_per_second",
                                   "Sum of the current encoding rates of the jobs encoding now.").get()) {
  registry_.gauge("video_encoder_build_info", "The running build: always 1, labelled with its version.", {"version"})
      .with({version})
      .set(1);
  registry_.gauge("video_encoder_process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.")
      .get()
      .set(unix_seconds(started));
  // Every series exists from the start at zero, so rate() and absent() see no gaps.
  for (auto outcome : {MessageOutcome::Received, MessageOutcome::Acked, MessageOutcome::Requeued, MessageOutcome::DeadLettered}) {
    messages_.with({outcome_label(outcome)});
  }
  for (auto status : kUnfinished) in_progress_.with({status_label(status)});
  for (auto status : kOutcomes) {
    jobs_finished_.with({status_label(status)});
    job_duration_.with({status_label(status)});
  }
  for (auto stage : {Stage::Download, Stage::Package, Stage::Upload}) stage_duration_.with({stage_label(stage)});
}

void ServiceMetrics::job_entered(core::JobStatus status) {
  if (!core::is_final(status)) in_progress_.with({status_label(status)}).inc();
}

void ServiceMetrics::job_left(core::JobStatus status) {
  if (!core::is_final(status)) in_progress_.with({status_label(status)}).dec();
}

void ServiceMetrics::job_moved(core::JobStatus from, core::JobStatus to) {
  job_left(from);
  job_entered(to);
}

void ServiceMetrics::job_finished(core::JobStatus outcome, std::chrono::duration<double> took) {
  if (!core::is_final(outcome)) return;
  jobs_finished_.with({status_label(outcome)}).inc();
  job_duration_.with({status_label(outcome)}).observe(took.count());
}

void ServiceMetrics::stage_finished(Stage stage, std::chrono::duration<double> took) {
  stage_duration_.with({stage_label(stage)}).observe(took.count());
}

void ServiceMetrics::bytes_downloaded(uint64_t bytes) { downloaded_bytes_.inc(static_cast<double>(bytes)); }

void ServiceMetrics::bytes_uploaded(uint64_t bytes) { uploaded_bytes_.inc(static_cast<double>(bytes)); }

void ServiceMetrics::frames_encoded(uint64_t frames) { encoded_frames_.inc(static_cast<double>(frames)); }

void ServiceMetrics::encode_rate(const void* job, double frames_per_second) {
  std::lock_guard lock(rates_mutex_);
  if (std::isfinite(frames_per_second) && frames_per_second > 0) {
    rates_[job] = frames_per_second;
  } else {
    rates_.erase(job);
  }
  // Summed afresh rather than adjusted by differences, so no rounding residue is left once every
  // job is done.
  double sum = 0;
  for (const auto& [key, rate] : rates_) sum += rate;
  encode_rate_.set(sum);
}

void ServiceMetrics::message(MessageOutcome outcome) { messages_.with({outcome_label(outcome)}).inc(); }

void ServiceMetrics::set_broker_connected(bool connected) { broker_connected_.set(connected ? 1 : 0); }

void ServiceMetrics::set_database_up(bool up) { database_up_.set(up ? 1 : 0); }

EncodeMeter::~EncodeMeter() {
  if (metrics_) metrics_->encode_rate(this, 0);
}

void EncodeMeter::report(int64_t frames, double frames_per_second) {
  if (!metrics_) return;
  if (frames > frames_) {
    metrics_->frames_encoded(static_cast<uint64_t>(frames - frames_));
    frames_ = frames;
  }
  if (std::isfinite(frames_per_second) && frames_per_second > 0) metrics_->encode_rate(this, frames_per_second);
}

}  // namespace ve::app
