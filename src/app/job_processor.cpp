// SPDX-License-Identifier: Apache-2.0
#include "app/job_processor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "app/message_key.hpp"
#include "app/notifications.hpp"
#include "app/work_folder.hpp"
#include "core/job_request.hpp"
#include "core/progress_throttle.hpp"
#include "core/uuid.hpp"

namespace ve::app {
namespace {

std::vector<std::filesystem::path> files_below(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(folder)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The object key of `file` below the job's prefix (<video id>/): its path relative to the
// presentation folder, '/'-separated; GET /outputs/<video id>/<key> serves it.
std::string relative_key(const std::filesystem::path& file, const std::filesystem::path& folder) {
  return std::filesystem::relative(file, folder).generic_string();
}

// For the metrics: a file's size (0 when it cannot be read), the time since `start`.
uint64_t file_bytes(const std::filesystem::path& file) {
  std::error_code error;
  const auto bytes = std::filesystem::file_size(file, error);
  return error ? 0 : bytes;
}

std::chrono::duration<double> elapsed_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::steady_clock::now() - start;
}

}  // namespace

const char* to_string(Disposition d) {
  switch (d) {
    case Disposition::Ack: return "ack";
    case Disposition::DeadLetter: return "dead-letter";
    case Disposition::Requeue: return "requeue";
  }
  return "?";
}

std::string random_uuid() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  std::array<uint8_t, 16> bytes;
  for (size_t i = 0; i < bytes.size(); i += 8) {
    const uint64_t r = engine();
    for (size_t k = 0; k < 8; ++k) bytes[i + k] = static_cast<uint8_t>(r >> (8 * k));
  }
  return core::uuid_v4(bytes);
}

JobProcessor::JobProcessor(ports::JobStore& store, ports::BlobStore& blobs, ports::Packager& packager,
                           ports::ResultPublisher& publisher, JobSettings settings,
                           std::function<std::string()> new_id)
    : store_(store),
      blobs_(blobs),
      packager_(packager),
      publisher_(publisher),
      settings_(std::move(settings)),
      new_id_(std::move(new_id)) {}

Disposition JobProcessor::fail_request(const ports::Delivery& delivery, const core::Error& error) const {
  if (auto ok = publisher_.publish(failure_json(delivery.body, error.message)); !ok) {
    spdlog::warn("cannot publish failure notification, requeueing: {}", ok.error().message);
    return Disposition::Requeue;
  }
  return Disposition::DeadLetter;
}

Disposition JobProcessor::republish(const ports::Delivery& delivery, const ports::JobRecord& done) const {
  if (auto ok = publisher_.publish(job_result_json(done)); !ok) {
    spdlog::warn("message {} came again and its job {} is COMPLETED, but its result could not be published "
                 "again, requeueing: {}", delivery.message_id, done.id, ok.error().message);
    return Disposition::Requeue;
  }
  spdlog::info("message {} came again; its job {} had already COMPLETED: published its result again",
               delivery.message_id, done.id);
  return Disposition::Ack;
}

Disposition JobProcessor::process(const ports::Delivery& delivery, std::stop_token cancel) const {
  const auto received = std::chrono::steady_clock::now();
  auto finished = [&](core::JobStatus outcome) {
    if (settings_.metrics) settings_.metrics->job_finished(outcome, elapsed_since(received));
  };
  auto request = core::parse_job_request(delivery.body);
  if (!request) {
    spdlog::warn("rejecting message {}: {}", delivery.message_id, request.error().message);
    finished(core::JobStatus::Failed);
    return fail_request(delivery, request.error());
  }

  ports::JobRecord job;
  job.id = new_id_();
  job.video.id = new_id_();
  job.video.resource_id = request->resource_id;
  job.video.file_path = request->file_path;
  job.output_bucket_path = settings_.output_bucket;
  job.message_key = message_key(delivery);
  job.status = core::JobStatus::Starting;
  job.created_at = job.updated_at = job.video.created_at = std::chrono::system_clock::now();

  // A redelivered message may have been handled before by a worker that crashed, was stopped or
  // lost the broker: its earlier jobs decide what to do (republish, or start over).
  core::Status created;
  if (delivery.redelivered) {
    auto claim = store_.claim_redelivered(
        job, "abandoned: its message was delivered again before this attempt ended (worker stopped, crashed or lost "
             "the broker); continued as job " + job.id);
    if (!claim) {
      created = core::fail(claim.error());
    } else if (claim->completed) {
      return republish(delivery, *claim->completed);
    } else {
      for (const auto& id : claim->abandoned) spdlog::warn("job {} abandoned: its message came again, continuing as job {}", id, job.id);
    }
  } else {
    created = store_.create_job(job);
  }
  if (!created) {
    spdlog::error("cannot record a new job for resource {}: {}", job.video.resource_id, created.error().message);
    if (created.error().kind == core::ErrorKind::Transient) return Disposition::Requeue;
    finished(core::JobStatus::Failed);
    return fail_request(delivery, created.error());
  }
  spdlog::info("job {} started: resource {} file {}", job.id, job.video.resource_id, job.video.file_path);
  {
    std::lock_guard lock(in_flight_mutex_);
    in_flight_.insert(job.id);
  }
  // The job counts in progress under its status from here (advance() moves it) until it returns.
  if (settings_.metrics) settings_.metrics->job_entered(job.status);
  if (settings_.heartbeats) settings_.heartbeats->started(job.id, core::to_string(job.status));
  struct Done {
    const JobProcessor& p;
    const ports::JobRecord& job;
    ~Done() {
      if (p.settings_.metrics) p.settings_.metrics->job_left(job.status);
      if (p.settings_.heartbeats) p.settings_.heartbeats->ended(job.id);
      std::lock_guard lock(p.in_flight_mutex_);
      p.in_flight_.erase(job.id);
    }
  } done{*this, job};

  core::Status outcome;
  std::optional<DiskReservation> disk_space;  // released only after the folder is gone
  {
    auto work = WorkFolder::create(settings_.work_root / job.video.id);
    outcome = work ? run(job, work->path(), cancel, disk_space) : core::Status(core::fail(work.error()));
  }
  if (outcome) {
    spdlog::info("job {} completed", job.id);
    finished(core::JobStatus::Completed);
    return Disposition::Ack;
  }

  const core::Error& error = outcome.error();
  if (job.status == core::JobStatus::Completed) {
    // Recorded as done but the result could not be published: the message comes again and its
    // redelivery publishes the stored result.
    spdlog::warn("job {} completed but its result was not published, requeueing: {}", job.id, error.message);
    finished(core::JobStatus::Completed);
    return Disposition::Requeue;
  }
  if (error.kind == core::ErrorKind::Conflict) {
    // A later delivery of the same message took the job over; it settles the message.
    spdlog::warn("job {} stopped: {}", job.id, error.message);
    finished(core::JobStatus::Abandoned);
    return Disposition::Ack;
  }
  if (cancel.stop_requested() || error.kind == core::ErrorKind::Transient) {
    const std::string reason = cancel.stop_requested()
                                   ? "abandoned: the service shut down before the job finished (SHUTDOWN_GRACE_SECONDS=" +
                                         std::to_string(settings_.shutdown_grace_seconds) + "); message requeued"
                                   : "abandoned: " + error.message + "; message requeued";
    spdlog::warn("job {} interrupted, requeueing: {}", job.id, error.message);
    finished(core::JobStatus::Abandoned);
    (void)store_.record_status(job.id, core::JobStatus::Abandoned, reason);
    return Disposition::Requeue;
  }
  spdlog::error("job {} failed: {}", job.id, error.message);
  finished(core::JobStatus::Failed);
  if (auto ok = store_.record_status(job.id, core::JobStatus::Failed, error.message); !ok) {
    if (ok.error().kind == core::ErrorKind::Conflict) return Disposition::Ack;
    spdlog::warn("job {}: cannot record the failure, requeueing: {}", job.id, ok.error().message);
    return Disposition::Requeue;
  }
  return fail_request(delivery, error);
}

void JobProcessor::abandon_unfinished(const std::string& reason) const {
  std::set<std::string> jobs;
  {
    std::lock_guard lock(in_flight_mutex_);
    jobs = in_flight_;
  }
  for (const auto& id : jobs) {
    if (auto ok = store_.record_status(id, core::JobStatus::Abandoned, reason); !ok) {
      spdlog::warn("job {}: cannot record it ABANDONED: {}", id, ok.error().message);
    } else {
      spdlog::warn("job {} abandoned: {}", id, reason);
    }
  }
}

core::Status JobProcessor::advance(ports::JobRecord& job, core::JobStatus status, std::stop_token cancel,
                                  const std::string& note) const {
  // Once the presentation is uploaded the job is as good as done: finish it even when stopping.
  if (cancel.stop_requested() && status <= core::JobStatus::Finishing) {
    return core::fail(core::Error::transient("the service is shutting down"));
  }
  if (auto ok = store_.record_status(job.id, status, note); !ok) return ok;
  if (settings_.metrics) settings_.metrics->job_moved(job.status, status);
  if (settings_.heartbeats) settings_.heartbeats->progressed(job.id, core::to_string(status));
  job.status = status;
  job.updated_at = std::chrono::system_clock::now();
  return {};
}

core::Status JobProcessor::run(ports::JobRecord& job, const std::filesystem::path& work, std::stop_token cancel,
                               std::optional<DiskReservation>& disk_space) const {
  using core::JobStatus;
  const std::filesystem::path input = work / ("input" + std::filesystem::path(job.video.file_path).extension().string());
  const std::filesystem::path output = work / "dash";

  if (auto ok = advance(job, JobStatus::Downloading, cancel); !ok) return ok;
  if (settings_.disk_space) {
    // Fail (or requeue) before a byte is written rather than filling the disk mid-download.
    auto bytes = blobs_.size(settings_.input_bucket, job.video.file_path);
    if (!bytes) return core::fail(bytes.error());
    auto reserved = settings_.disk_space->reserve(settings_.input_bucket + "/" + job.video.file_path, *bytes);
    if (!reserved) return core::fail(reserved.error());
    disk_space.emplace(std::move(*reserved));
  }
  const auto download_started = std::chrono::steady_clock::now();
  // Every piece received counts as progress for the liveness probe: a long download is not a stuck one.
  ports::DownloadProgress received;
  if (settings_.heartbeats) received = [this, &job](uint64_t) { settings_.heartbeats->progressed(job.id); };
  if (auto ok = blobs_.download(settings_.input_bucket, job.video.file_path, input, cancel, received); !ok) return ok;
  if (settings_.metrics) {
    settings_.metrics->stage_finished(Stage::Download, elapsed_since(download_started));
    settings_.metrics->bytes_downloaded(file_bytes(input));
  }

  // The packager fragments and writes the DASH presentation in one pass over the input.
  if (auto ok = advance(job, JobStatus::Fragmenting, cancel); !ok) return ok;
  if (auto ok = advance(job, JobStatus::Encoding, cancel); !ok) return ok;
  const auto package_started = std::chrono::steady_clock::now();
  auto summary = package(job, input, output, cancel);
  if (!summary) return core::fail(summary.error());
  if (settings_.metrics) settings_.metrics->stage_finished(Stage::Package, elapsed_since(package_started));
  // Concealed damage and the like: the job completes, and an operator finds why in its history.
  std::string warnings;
  for (const auto& w : summary->warnings) {
    spdlog::warn("job {}: {}", job.id, w);
    warnings += (warnings.empty() ? "" : "; ") + w;
  }

  if (auto ok = advance(job, JobStatus::Uploading, cancel); !ok) return ok;
  // From here on, an attempt that ends without COMPLETED removes what it uploaded. Not when
  // recording COMPLETED failed in doubt (it may be stored): only when another attempt took over.
  auto partial = [&](core::Status failed) {
    remove_uploaded(output, job.video.id, job.id);
    return failed;
  };
  const auto upload_started = std::chrono::steady_clock::now();
  auto uploaded = upload_folder(job.id, output, job.video.id, cancel);
  if (!uploaded) return partial(core::fail(uploaded.error()));
  if (settings_.metrics) settings_.metrics->stage_finished(Stage::Upload, elapsed_since(upload_started));
  // Before FINISHING, so every COMPLETED job lists its files (GET /api/jobs/<id>).
  if (auto ok = store_.record_outputs(job.id, *uploaded); !ok) return partial(ok);
  if (auto ok = advance(job, JobStatus::Finishing, cancel); !ok) return partial(ok);
  if (auto ok = advance(job, JobStatus::Completed, cancel, warnings); !ok) {
    return ok.error().kind == core::ErrorKind::Conflict ? partial(ok) : ok;
  }
  // The result as stored (the database's timestamps), so a redelivery republishes the same one.
  auto stored = store_.find_job(job.id);
  if (!stored) return core::fail(stored.error());
  if (!*stored) return core::fail(core::Error::internal("job " + job.id + " vanished from the job store"));
  return publisher_.publish(job_result_json(**stored));
}

core::Result<ports::PackageSummary> JobProcessor::package(const ports::JobRecord& job, const std::filesystem::path& input,
                                                          const std::filesystem::path& output,
                                                          std::stop_token cancel) const {
  ports::PackageOptions options = settings_.package;
  options.cancel = cancel;
  // The packager reports from this thread, often per frame: a throttled few reach the store. A
  // failed write costs only the display of progress, never the job; it is logged once.
  core::ProgressThrottle throttle(settings_.progress_interval);
  bool store_failed = false;
  auto store = [&](const core::ProgressUpdate& u) {
    spdlog::debug("job {}: ENCODING {:.0f}% at {:.1f} frames/s", job.id, u.percent, u.frames_per_second);
    if (auto ok = store_.record_progress(job.id, u.percent, u.frames_per_second); !ok && !store_failed) {
      store_failed = true;
      spdlog::warn("job {}: cannot record its progress (the job goes on): {}", job.id, ok.error().message);
    }
  };
  EncodeMeter meter(settings_.metrics);  // frames and rate for the metrics, unthrottled
  const ports::ProgressFn progress = [&](const ports::Progress& p) {
    meter.report(p.frames, p.frames_per_second);
    if (settings_.heartbeats) settings_.heartbeats->progressed(job.id);
    if (auto u = throttle.admit(p.fraction, p.frames_per_second, core::ProgressThrottle::Clock::now())) store(*u);
  };
  auto summary = packager_.package(input, output, options, progress);
  if (!summary) {
    core::Error e = summary.error();
    // The packager names its scratch copy; the user knows the file by its object key.
    for (size_t at; (at = e.message.find(input.string())) != std::string::npos;) {
      e.message.replace(at, input.string().size(), settings_.input_bucket + "/" + job.video.file_path);
    }
    return core::fail(e);
  }
  // A packager that does not report its end still leaves 100 % stored, and every frame counted.
  if (auto u = throttle.admit(1.0, 0, core::ProgressThrottle::Clock::now())) store(*u);
  meter.report(summary->frames_encoded, 0);
  return summary;
}

void JobProcessor::remove_uploaded(const std::filesystem::path& folder, const std::string& prefix,
                                   const std::string& job_id) const {
  const auto files = files_below(folder);
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string key = prefix + "/" + relative_key(files[i], folder);
    if (auto ok = blobs_.remove(settings_.output_bucket, key); !ok) {
      spdlog::warn("job {}: cannot remove its partial output, {} object(s) may stay under {}/{}: {}", job_id,
                   files.size() - i, settings_.output_bucket, prefix, ok.error().message);
      return;
    }
  }
  spdlog::info("job {}: removed its partial output under {}/{}", job_id, settings_.output_bucket, prefix);
}

core::Result<std::vector<ports::OutputFile>> JobProcessor::upload_folder(const std::string& job_id,
                                                                         const std::filesystem::path& folder,
                                                                         const std::string& prefix,
                                                                         std::stop_token cancel) const {
  const auto files = files_below(folder);
  std::vector<ports::OutputFile> uploaded(files.size());  // slot i written only by the thread that uploads file i
  std::atomic<size_t> next{0};
  std::mutex mutex;
  core::Status first_error;
  std::atomic<bool> failed{false};
  auto give_up = [&](core::Status error) {
    std::lock_guard lock(mutex);
    if (first_error) first_error = std::move(error);
    failed = true;
  };
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < files.size() && !failed; i = next.fetch_add(1)) {
      if (cancel.stop_requested()) {
        give_up(core::fail(core::Error::transient("upload cancelled: the service is shutting down")));
        break;
      }
      // Measured before the upload: the size recorded is that of the bytes sent.
      std::error_code error;
      const uint64_t bytes = std::filesystem::file_size(files[i], error);
      if (error) {
        give_up(core::fail(core::Error::internal("cannot read the size of " + files[i].string() + ": " + error.message())));
        break;
      }
      const std::string path = relative_key(files[i], folder);
      if (auto ok = blobs_.upload(files[i], settings_.output_bucket, prefix + "/" + path); !ok) {
        give_up(ok);
      } else {
        uploaded[i] = {path, bytes};
        if (settings_.metrics) settings_.metrics->bytes_uploaded(bytes);
        if (settings_.heartbeats) settings_.heartbeats->progressed(job_id);
      }
    }
  };
  const size_t threads = std::clamp<size_t>(static_cast<size_t>(settings_.upload_concurrency), 1, std::max<size_t>(1, files.size()));
  {
    std::vector<std::jthread> pool;
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
  }
  if (!first_error) return core::fail(first_error.error());
  return uploaded;
}

}  // namespace ve::app
