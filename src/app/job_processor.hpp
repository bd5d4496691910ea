// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>

#include "app/disk_reservations.hpp"
#include "app/job_heartbeats.hpp"
#include "app/service_metrics.hpp"
#include "ports/blob_store.hpp"
#include "ports/job_source.hpp"
#include "ports/job_store.hpp"
#include "ports/packager.hpp"

namespace ve::app {

struct JobSettings {
  std::string input_bucket;
  std::string output_bucket;
  std::filesystem::path work_root;  // each job works in <work_root>/<video id>, removed when it ends
  int upload_concurrency = 4;
  ports::PackageOptions package;
  // Free-space check before each download; null: none (the disk must outlive the processor).
  DiskReservations* disk_space = nullptr;
  // Named in the reason of a job cancelled by a shutdown (SHUTDOWN_GRACE_SECONDS).
  int shutdown_grace_seconds = 60;
  // ENCODING progress is stored at most once per interval per job (and always at 100 %).
  std::chrono::steady_clock::duration progress_interval = std::chrono::seconds(1);
  // Jobs in progress and finished, stage times, bytes and frames are recorded here; null: no
  // metrics (they must outlive the processor).
  ServiceMetrics* metrics = nullptr;
  // Each job's start, status changes, encoding progress, uploaded files and end, for the liveness
  // probe; null: not reported (they must outlive the processor).
  JobHeartbeats* heartbeats = nullptr;
};

// What to do with a delivery once it has been handled; decided in one place from the outcome.
enum class Disposition {
  Ack,         // done: the result was recorded and published
  DeadLetter,  // bad request or media: FAILED recorded, failure notification published
  Requeue,     // transient outage (database, broker, storage): try again later
};

const char* to_string(Disposition d);

// Runs one job end to end: validate the message, record the job, download, package, upload,
// record the uploaded files with their sizes (JobStore::record_outputs), record and publish the
// result. While packaging, the job's progress is stored (throttled); the packager's warnings are
// logged and kept as the note of the COMPLETED event. A redelivered message whose job already
// COMPLETED gets that job's stored result published again instead of a second job; its unfinished
// earlier attempts are recorded ABANDONED. Every status change is stored. Holds no mutable state:
// one instance serves all workers at once (the ports are thread-safe); it only keeps the ids of
// the jobs in progress.
class JobProcessor {
 public:
  JobProcessor(ports::JobStore& store, ports::BlobStore& blobs, ports::Packager& packager,
               ports::ResultPublisher& publisher, JobSettings settings,
               std::function<std::string()> new_id);

  // `cancel` is requested when the service stops and the job's grace period ran out: the job then
  // stops at its next step, is recorded ABANDONED and its message requeued.
  Disposition process(const ports::Delivery& delivery, std::stop_token cancel = {}) const;

  // Records every job still in progress as ABANDONED with `reason`: for a shutdown that cannot wait
  // for workers stuck in a call (their messages go back to the queue when the connection closes).
  void abandon_unfinished(const std::string& reason) const;

 private:
  core::Status run(ports::JobRecord& job, const std::filesystem::path& work, std::stop_token cancel,
                   std::optional<DiskReservation>& disk_space) const;
  core::Status advance(ports::JobRecord& job, core::JobStatus status, std::stop_token cancel,
                       const std::string& note = {}) const;
  core::Result<ports::PackageSummary> package(const ports::JobRecord& job, const std::filesystem::path& input,
                                              const std::filesystem::path& output, std::stop_token cancel) const;
  // Deletes what upload_folder may have stored of `folder` under `prefix` (an attempt that will
  // never complete leaves no partial presentation behind); stops at the first failure, logged.
  void remove_uploaded(const std::filesystem::path& folder, const std::string& prefix, const std::string& job_id) const;
  // Uploads every file below `folder` to <output bucket>/<prefix>/<its relative path>; the files
  // uploaded with their paths relative to `folder` and sizes, or the first error.
  core::Result<std::vector<ports::OutputFile>> upload_folder(const std::string& job_id, const std::filesystem::path& folder,
                                                             const std::string& prefix, std::stop_token cancel) const;
  Disposition fail_request(const ports::Delivery& delivery, const core::Error& error) const;
  Disposition republish(const ports::Delivery& delivery, const ports::JobRecord& done) const;

  ports::JobStore& store_;
  ports::BlobStore& blobs_;
  ports::Packager& packager_;
  ports::ResultPublisher& publisher_;
  JobSettings settings_;
  std::function<std::string()> new_id_;
  mutable std::mutex in_flight_mutex_;
  mutable std::set<std::string> in_flight_;  // ids of jobs being processed
};

// A random version 4 UUID (thread-safe).
std::string random_uuid();

}  // namespace ve::app
