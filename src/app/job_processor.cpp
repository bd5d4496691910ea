// SPDX-License-Identifier: Apache-2.0
#include "app/job_processor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "app/notifications.hpp"
#include "core/job_request.hpp"
#include "core/uuid.hpp"

namespace ve::app {
namespace {

// A job's working folder, removed with everything in it on every way out.
class ScratchDir {
 public:
  explicit ScratchDir(std::filesystem::path path) : path_(std::move(path)) {}
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    if (ec) spdlog::warn("cannot remove working folder {}: {}", path_.string(), ec.message());
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  core::Status create() const {
    std::error_code ec;
    std::filesystem::create_directories(path_, ec);
    if (ec) return core::fail(core::Error::internal("cannot create working folder " + path_.string() + ": " + ec.message()));
    return {};
  }

 private:
  std::filesystem::path path_;
};

std::vector<std::filesystem::path> files_below(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(folder)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
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

Disposition JobProcessor::process(const ports::Delivery& delivery) const {
  auto request = core::parse_job_request(delivery.body);
  if (!request) {
    spdlog::warn("rejecting message {}: {}", delivery.message_id, request.error().message);
    return fail_request(delivery, request.error());
  }

  ports::JobRecord job;
  job.id = new_id_();
  job.video.id = new_id_();
  job.video.resource_id = request->resource_id;
  job.video.file_path = request->file_path;
  job.output_bucket_path = settings_.output_bucket;
  job.status = core::JobStatus::Starting;
  job.created_at = job.updated_at = job.video.created_at = std::chrono::system_clock::now();
  if (auto ok = store_.create_job(job); !ok) {
    spdlog::error("cannot record a new job for resource {}: {}", job.video.resource_id, ok.error().message);
    return ok.error().kind == core::ErrorKind::Transient ? Disposition::Requeue : fail_request(delivery, ok.error());
  }
  spdlog::info("job {} started: resource {} file {}", job.id, job.video.resource_id, job.video.file_path);

  core::Status outcome;
  {
    ScratchDir work(settings_.work_root / job.video.id);
    outcome = work.create();
    if (outcome) outcome = run(job, settings_.work_root / job.video.id);
  }
  if (outcome) {
    spdlog::info("job {} completed", job.id);
    return Disposition::Ack;
  }

  const core::Error& error = outcome.error();
  if (job.status == core::JobStatus::Completed) {
    // Recorded as done but the result could not be published: deliver the message again.
    spdlog::warn("job {} completed but its result was not published: {}", job.id, error.message);
    return Disposition::Requeue;
  }
  if (error.kind == core::ErrorKind::Transient) {
    spdlog::warn("job {} interrupted, requeueing: {}", job.id, error.message);
    (void)store_.record_status(job.id, core::JobStatus::Failed, error.message + " (message requeued)");
    return Disposition::Requeue;
  }
  spdlog::error("job {} failed: {}", job.id, error.message);
  if (auto ok = store_.record_status(job.id, core::JobStatus::Failed, error.message); !ok) {
    spdlog::warn("job {}: cannot record the failure, requeueing: {}", job.id, ok.error().message);
    return Disposition::Requeue;
  }
  return fail_request(delivery, error);
}

core::Status JobProcessor::advance(ports::JobRecord& job, core::JobStatus status) const {
  if (auto ok = store_.record_status(job.id, status, ""); !ok) return ok;
  job.status = status;
  job.updated_at = std::chrono::system_clock::now();
  return {};
}

core::Status JobProcessor::run(ports::JobRecord& job, const std::filesystem::path& work) const {
  using core::JobStatus;
  const std::filesystem::path input = work / ("input" + std::filesystem::path(job.video.file_path).extension().string());
  const std::filesystem::path output = work / "dash";

  if (auto ok = advance(job, JobStatus::Downloading); !ok) return ok;
  if (auto ok = blobs_.download(settings_.input_bucket, job.video.file_path, input); !ok) return ok;

  // The packager fragments and writes the DASH presentation in one pass over the input.
  if (auto ok = advance(job, JobStatus::Fragmenting); !ok) return ok;
  if (auto ok = advance(job, JobStatus::Encoding); !ok) return ok;
  auto summary = packager_.package(input, output, settings_.package, nullptr);
  if (!summary) {
    core::Error e = summary.error();
    // The packager names its scratch copy; the user knows the file by its object key.
    for (size_t at; (at = e.message.find(input.string())) != std::string::npos;) {
      e.message.replace(at, input.string().size(), settings_.input_bucket + "/" + job.video.file_path);
    }
    return core::fail(e);
  }

  if (auto ok = advance(job, JobStatus::Uploading); !ok) return ok;
  if (auto ok = upload_folder(output, job.video.id); !ok) return ok;
  if (auto ok = advance(job, JobStatus::Finishing); !ok) return ok;
  if (auto ok = advance(job, JobStatus::Completed); !ok) return ok;
  return publisher_.publish(job_result_json(job));
}

core::Status JobProcessor::upload_folder(const std::filesystem::path& folder, const std::string& prefix) const {
  const auto files = files_below(folder);
  std::atomic<size_t> next{0};
  std::mutex mutex;
  core::Status first_error;
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < files.size() && !failed; i = next.fetch_add(1)) {
      const std::string key = prefix + "/" + std::filesystem::relative(files[i], folder).generic_string();
      if (auto ok = blobs_.upload(files[i], settings_.output_bucket, key); !ok) {
        std::lock_guard lock(mutex);
        if (first_error) first_error = ok;
        failed = true;
      }
    }
  };
  const size_t threads = std::clamp<size_t>(static_cast<size_t>(settings_.upload_concurrency), 1, std::max<size_t>(1, files.size()));
  {
    std::vector<std::jthread> pool;
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
  }
  return first_error;
}

}  // namespace ve::app
