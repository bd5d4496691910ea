// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/job.hpp"

namespace ve::ports {

using TimePoint = std::chrono::system_clock::time_point;

struct VideoRecord {
  std::string id;  // UUID
  std::string resource_id;
  std::string file_path;
  TimePoint created_at;
};

struct JobRecord {
  std::string id;  // UUID
  std::string output_bucket_path;
  core::JobStatus status = core::JobStatus::Starting;
  std::string error;  // empty unless FAILED or ABANDONED
  // The identity of the message that asked for the job ("id:<message_id>" or "sha256:<body hash>"),
  // so a redelivered message can find its earlier attempts. Empty for jobs made otherwise.
  std::string message_key;
  // How far ENCODING got (record_progress): percent of the input, 0..100, and encoded frames per
  // second; nullopt until the first report.
  std::optional<double> progress_percent;
  double frames_per_second = 0;
  TimePoint created_at;
  TimePoint updated_at;
  VideoRecord video;
};

struct JobEvent {
  core::JobStatus status = core::JobStatus::Starting;
  TimePoint at;
  // What record_status was told with the change: the reason of FAILED and ABANDONED, the warnings
  // of a COMPLETED job (e.g. damaged packets concealed); empty otherwise.
  std::string note;
};

// One file of a job's uploaded presentation: its path relative to the job's output folder
// (<output bucket>/<video id>/, '/'-separated, e.g. "video/360p/seg-00001.m4s"; what
// GET /outputs/<video id>/<path> serves) and its size.
struct OutputFile {
  std::string path;
  std::uint64_t bytes = 0;
  bool operator==(const OutputFile&) const = default;
};

// Which jobs list_jobs returns: newest first, optionally one status, at most `limit` (0: all),
// and only those older than the job `before_id` (the last of the previous page; empty: from the
// newest). An unknown before_id gives an empty page.
struct JobQuery {
  std::optional<core::JobStatus> status;
  size_t limit = 0;
  std::string before_id;
};

// What JobStore::claim_redelivered found.
struct RedeliveryClaim {
  std::optional<JobRecord> completed;   // the message's job that already COMPLETED; nothing was created
  std::vector<std::string> abandoned;   // ids of the message's unfinished jobs, now ABANDONED
};

// Durable record of videos, jobs and every status change. Implementations are safe to call from
// several threads at once. Errors: Transient when the database is unreachable (retry later),
// NotFound for an unknown job id, InvalidInput for a status change the job's state forbids,
// Internal otherwise.
class JobStore {
 public:
  virtual ~JobStore() = default;

  // Creates the video and its job in state STARTING (with its first event) in one transaction.
  virtual core::Status create_job(const JobRecord& job) = 0;

  // For a message delivered again (the broker lost track of an earlier delivery), in one
  // transaction: when a job with job.message_key already COMPLETED, returns it and creates nothing;
  // otherwise marks the key's unfinished jobs ABANDONED with `abandon_reason` and creates `job` as
  // create_job does. Once a job is ABANDONED its own worker can no longer move it (Conflict), so
  // one message never yields two COMPLETED jobs.
  virtual core::Result<RedeliveryClaim> claim_redelivered(const JobRecord& job, const std::string& abandon_reason) = 0;

  // Moves a job to `status`, stamps updated_at and appends an event with `note` (empty: none),
  // atomically. For FAILED and ABANDONED the note is also the job's error; other statuses leave the
  // error empty. InvalidInput when core::can_transition forbids it; Conflict when the job was
  // ABANDONED (another attempt took over).
  virtual core::Status record_status(const std::string& job_id, core::JobStatus status, const std::string& note) = 0;

  // Stores how far an ENCODING job is (percent 0..100, encoded frames per second), replacing the
  // last value; no event, updated_at unchanged. Callers throttle (core::ProgressThrottle).
  // NotFound for an unknown job; InvalidInput (nothing stored) when the job is not ENCODING.
  virtual core::Status record_progress(const std::string& job_id, double percent, double frames_per_second) = 0;

  virtual core::Result<std::optional<JobRecord>> find_job(const std::string& job_id) = 0;

  // Jobs, newest first, as `query` selects.
  virtual core::Result<std::vector<JobRecord>> list_jobs(const JobQuery& query) = 0;
  core::Result<std::vector<JobRecord>> list_jobs(std::optional<core::JobStatus> status) {
    return list_jobs(JobQuery{status, 0, {}});
  }

  // Reaches the database with a trivial query: Transient when it is unreachable (for readiness).
  virtual core::Status ping() = 0;

  // A job's status changes, oldest first.
  virtual core::Result<std::vector<JobEvent>> job_events(const std::string& job_id) = 0;

  // Replaces the list of the job's output files with `files`, atomically. NotFound for an unknown
  // job; InvalidInput (nothing changed) for an empty or repeated path.
  virtual core::Status record_outputs(const std::string& job_id, const std::vector<OutputFile>& files) = 0;

  // The job's output files, sorted by path (byte order); empty when none were recorded. NotFound for
  // an unknown job.
  virtual core::Result<std::vector<OutputFile>> job_outputs(const std::string& job_id) = 0;
};

}  // namespace ve::ports
