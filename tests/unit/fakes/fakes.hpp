// SPDX-License-Identifier: Apache-2.0
// In-memory stand-ins for the ports, for unit tests of the app layer. Each can be told to fail its
// Nth call with a given error. They never replace the adapters' integration tests.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ports/blob_store.hpp"
#include "ports/job_source.hpp"
#include "ports/job_store.hpp"
#include "ports/packager.hpp"

namespace ve::fakes {

// Fails the call numbered `at` (1-based) with `error`; counts calls thread-safely.
class FailureSchedule {
 public:
  void fail_call(int at, core::Error error) {
    std::lock_guard lock(mutex_);
    at_ = at;
    error_ = std::move(error);
  }
  core::Status tick() {
    std::lock_guard lock(mutex_);
    if (++calls_ == at_) return core::fail(error_);
    return {};
  }

 private:
  std::mutex mutex_;
  int calls_ = 0;
  int at_ = -1;
  core::Error error_;
};

class FakeJobStore final : public ports::JobStore {
 public:
  core::Status create_job(const ports::JobRecord& job) override;
  core::Result<ports::RedeliveryClaim> claim_redelivered(const ports::JobRecord& job,
                                                        const std::string& abandon_reason) override;
  core::Status record_status(const std::string& job_id, core::JobStatus status, const std::string& note) override;
  core::Status record_progress(const std::string& job_id, double percent, double frames_per_second) override;
  core::Result<std::optional<ports::JobRecord>> find_job(const std::string& job_id) override;
  using ports::JobStore::list_jobs;
  core::Result<std::vector<ports::JobRecord>> list_jobs(const ports::JobQuery& query) override;
  core::Status ping() override;
  core::Result<std::vector<ports::JobEvent>> job_events(const std::string& job_id) override;
  core::Status record_outputs(const std::string& job_id, const std::vector<ports::OutputFile>& files) override;
  core::Result<std::vector<ports::OutputFile>> job_outputs(const std::string& job_id) override;
  FailureSchedule failures;  // every call but record_progress and the reads
  FailureSchedule progress_failures;
  FailureSchedule outputs_failures;  // record_outputs
  // Every record_progress call that was stored, in order: {percent, frames per second}.
  std::vector<std::pair<double, double>> progress_log(const std::string& job_id);

 private:
  std::mutex mutex_;
  std::vector<ports::JobRecord> jobs_;
  std::map<std::string, std::vector<std::pair<double, double>>> progress_;
  std::map<std::string, std::vector<ports::JobEvent>> events_;
  std::map<std::string, std::vector<ports::OutputFile>> outputs_;
};

class FakeBlobStore final : public ports::BlobStore {
 public:
  static constexpr uint64_t kDownloadPiece = 64 * 1024;  // download progress is told per piece
  using ports::BlobStore::download;
  core::Status download(const std::string& bucket, const std::string& key, const std::filesystem::path& to,
                        std::stop_token cancel, const ports::DownloadProgress& progress) override;
  core::Status upload(const std::filesystem::path& from, const std::string& bucket, const std::string& key) override;
  core::Result<uint64_t> size(const std::string& bucket, const std::string& key) override;
  core::Result<std::string> read(const std::string& bucket, const std::string& key, uint64_t offset,
                                 uint64_t length) override;
  core::Status remove(const std::string& bucket, const std::string& key) override;
  void put(const std::string& bucket, const std::string& key, std::string bytes);
  std::map<std::string, std::string> objects();  // "bucket/key" -> bytes
  // Reports `bytes` as the size of bucket/key instead of its content's length (a huge object
  // without holding it in memory).
  void pretend_size(const std::string& bucket, const std::string& key, uint64_t bytes);
  FailureSchedule upload_failures;
  FailureSchedule remove_failures;
  FailureSchedule size_failures;

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> objects_;
  std::map<std::string, uint64_t> pretended_sizes_;
};

// Writes a small presentation (manifest and two segments) for any input except one whose bytes
// are "corrupt", which fails as a packager does with bad media. Reports progress 0.25, 0.5, 0.75
// (frames_per_second 10, 20, 30) and 1.0 (no rate), as LadderPackager ends. An input whose bytes are
// "damaged" succeeds with two warnings in its summary.
// Inputs whose bytes are "slow" wait in package() until release() or the options' cancellation;
// "stuck" ones only for release() (a call that ignores cancellation).
class FakePackager final : public ports::Packager {
 public:
  core::Result<ports::PackageSummary> package(const std::filesystem::path& input, const std::filesystem::path& output_dir,
                                              const ports::PackageOptions& options,
                                              const ports::ProgressFn& progress) override;
  void release();
  int waiting();  // calls waiting right now

 private:
  std::mutex mutex_;
  std::condition_variable_any changed_;
  bool released_ = false;
  int waiting_ = 0;
};

class FakePublisher final : public ports::ResultPublisher {
 public:
  core::Status publish(const std::string& body) override;
  std::vector<std::string> published();
  FailureSchedule failures;

 private:
  std::mutex mutex_;
  std::vector<std::string> published_;
};

}  // namespace ve::fakes
