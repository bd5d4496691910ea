// SPDX-License-Identifier: Apache-2.0
#include "fakes/fakes.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace ve::fakes {
namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

}  // namespace

core::Status FakeJobStore::create_job(const ports::JobRecord& job) {
  if (auto ok = failures.tick(); !ok) return ok;
  std::lock_guard lock(mutex_);
  jobs_.push_back(job);
  events_[job.id].push_back({job.status, job.created_at, ""});
  return {};
}

core::Result<ports::RedeliveryClaim> FakeJobStore::claim_redelivered(const ports::JobRecord& job,
                                                                    const std::string& abandon_reason) {
  if (auto ok = failures.tick(); !ok) return core::fail(ok.error());
  std::lock_guard lock(mutex_);
  ports::RedeliveryClaim claim;
  for (const auto& earlier : jobs_) {
    if (earlier.message_key == job.message_key && earlier.status == core::JobStatus::Completed) {
      claim.completed = earlier;
      return claim;
    }
  }
  for (auto& earlier : jobs_) {
    if (earlier.message_key != job.message_key || core::is_final(earlier.status)) continue;
    earlier.status = core::JobStatus::Abandoned;
    earlier.error = abandon_reason;
    earlier.updated_at = std::chrono::system_clock::now();
    events_[earlier.id].push_back({earlier.status, earlier.updated_at, abandon_reason});
    claim.abandoned.push_back(earlier.id);
  }
  jobs_.push_back(job);
  events_[job.id].push_back({job.status, job.created_at, ""});
  return claim;
}

core::Status FakeJobStore::record_status(const std::string& job_id, core::JobStatus status, const std::string& note) {
  if (auto ok = failures.tick(); !ok) return ok;
  std::lock_guard lock(mutex_);
  for (auto& job : jobs_) {
    if (job.id != job_id) continue;
    if (job.status == core::JobStatus::Abandoned) {
      return core::fail(core::Error::conflict("job " + job_id + " was abandoned"));
    }
    if (!core::can_transition(job.status, status)) {
      return core::fail(core::Error::invalid_input(std::string("forbidden transition to ") + core::to_string(status)));
    }
    job.status = status;
    job.error = status == core::JobStatus::Failed || status == core::JobStatus::Abandoned ? note : "";
    job.updated_at = std::chrono::system_clock::now();
    events_[job_id].push_back({status, job.updated_at, note});
    return {};
  }
  return core::fail(core::Error::not_found("no job " + job_id));
}

core::Status FakeJobStore::record_progress(const std::string& job_id, double percent, double frames_per_second) {
  if (auto ok = progress_failures.tick(); !ok) return ok;
  std::lock_guard lock(mutex_);
  for (auto& job : jobs_) {
    if (job.id != job_id) continue;
    if (job.status != core::JobStatus::Encoding) {
      return core::fail(core::Error::invalid_input("job " + job_id + " is not ENCODING"));
    }
    job.progress_percent = percent;
    job.frames_per_second = frames_per_second;
    progress_[job_id].emplace_back(percent, frames_per_second);
    return {};
  }
  return core::fail(core::Error::not_found("no job " + job_id));
}

std::vector<std::pair<double, double>> FakeJobStore::progress_log(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  const auto it = progress_.find(job_id);
  return it == progress_.end() ? std::vector<std::pair<double, double>>{} : it->second;
}

core::Result<std::optional<ports::JobRecord>> FakeJobStore::find_job(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  for (const auto& job : jobs_) {
    if (job.id == job_id) return std::optional<ports::JobRecord>(job);
  }
  return std::optional<ports::JobRecord>{};
}

core::Result<std::vector<ports::JobRecord>> FakeJobStore::list_jobs(const ports::JobQuery& query) {
  std::lock_guard lock(mutex_);
  std::vector<ports::JobRecord> out;
  bool before_seen = query.before_id.empty();
  for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) {
    if (!before_seen) {
      before_seen = it->id == query.before_id;
      continue;
    }
    if (query.status && it->status != *query.status) continue;
    if (query.limit > 0 && out.size() == query.limit) break;
    out.push_back(*it);
  }
  return out;
}

core::Status FakeJobStore::ping() { return {}; }

core::Result<std::vector<ports::JobEvent>> FakeJobStore::job_events(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  const auto it = events_.find(job_id);
  if (it == events_.end()) return core::fail(core::Error::not_found("no job " + job_id));
  return it->second;
}

core::Status FakeJobStore::record_outputs(const std::string& job_id, const std::vector<ports::OutputFile>& files) {
  if (auto ok = outputs_failures.tick(); !ok) return ok;
  std::lock_guard lock(mutex_);
  if (!events_.contains(job_id)) return core::fail(core::Error::not_found("no job " + job_id));
  auto& stored = outputs_[job_id];
  stored = files;
  std::sort(stored.begin(), stored.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return {};
}

core::Result<std::vector<ports::OutputFile>> FakeJobStore::job_outputs(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  if (!events_.contains(job_id)) return core::fail(core::Error::not_found("no job " + job_id));
  return outputs_[job_id];
}

core::Status FakeBlobStore::download(const std::string& bucket, const std::string& key, const std::filesystem::path& to,
                                    std::stop_token /*cancel*/, const ports::DownloadProgress& progress) {
  std::string bytes;
  {
    std::lock_guard lock(mutex_);
    const auto it = objects_.find(bucket + "/" + key);
    if (it == objects_.end()) return core::fail(core::Error::not_found("input not found: " + bucket + "/" + key));
    bytes = it->second;
  }
  // Told in pieces, as a network transfer would; then the file appears.
  if (progress) {
    for (uint64_t done = 0; done < bytes.size();) {
      done = std::min<uint64_t>(bytes.size(), done + kDownloadPiece);
      progress(done);
    }
  }
  write_file(to, bytes);
  return {};
}

core::Status FakeBlobStore::upload(const std::filesystem::path& from, const std::string& bucket, const std::string& key) {
  if (auto ok = upload_failures.tick(); !ok) return ok;
  std::string bytes = read_file(from);
  std::lock_guard lock(mutex_);
  objects_[bucket + "/" + key] = std::move(bytes);
  return {};
}

core::Result<uint64_t> FakeBlobStore::size(const std::string& bucket, const std::string& key) {
  if (auto ok = size_failures.tick(); !ok) return core::fail(ok.error());
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(bucket + "/" + key);
  if (it == objects_.end()) return core::fail(core::Error::not_found("input not found: " + bucket + "/" + key));
  const auto pretended = pretended_sizes_.find(it->first);
  return pretended != pretended_sizes_.end() ? pretended->second : static_cast<uint64_t>(it->second.size());
}

core::Result<std::string> FakeBlobStore::read(const std::string& bucket, const std::string& key, uint64_t offset,
                                               uint64_t length) {
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(bucket + "/" + key);
  if (it == objects_.end()) return core::fail(core::Error::not_found("input not found: " + bucket + "/" + key));
  if (offset >= it->second.size()) return std::string();
  return it->second.substr(offset, std::min(length, kMaxReadLength));
}

core::Status FakeBlobStore::remove(const std::string& bucket, const std::string& key) {
  if (auto ok = remove_failures.tick(); !ok) return ok;
  std::lock_guard lock(mutex_);
  objects_.erase(bucket + "/" + key);
  return {};
}

void FakeBlobStore::pretend_size(const std::string& bucket, const std::string& key, uint64_t bytes) {
  std::lock_guard lock(mutex_);
  pretended_sizes_[bucket + "/" + key] = bytes;
}

void FakeBlobStore::put(const std::string& bucket, const std::string& key, std::string bytes) {
  std::lock_guard lock(mutex_);
  objects_[bucket + "/" + key] = std::move(bytes);
}

std::map<std::string, std::string> FakeBlobStore::objects() {
  std::lock_guard lock(mutex_);
  return objects_;
}

void FakePackager::release() {
  std::lock_guard lock(mutex_);
  released_ = true;
  changed_.notify_all();
}

int FakePackager::waiting() {
  std::lock_guard lock(mutex_);
  return waiting_;
}

core::Result<ports::PackageSummary> FakePackager::package(const std::filesystem::path& input,
                                                          const std::filesystem::path& output_dir,
                                                          const ports::PackageOptions& options,
                                                          const ports::ProgressFn& progress) {
  const std::string bytes = read_file(input);
  if (bytes == "corrupt") {
    return core::fail(core::Error::invalid_input(input.string() + ": not a valid MP4 file"));
  }
  if (bytes == "slow" || bytes == "stuck") {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.notify_all();
    if (bytes == "slow") {
      changed_.wait(lock, options.cancel, [this] { return released_; });
    } else {
      changed_.wait(lock, [this] { return released_; });
    }
    --waiting_;
    if (!released_) return core::fail(core::Error::transient("packaging was cancelled"));
  }
  if (progress) {
    for (int i = 1; i <= 3; ++i) progress({0.25 * i, 10 * i, 10.0 * i});
  }
  write_file(output_dir / "manifest.mpd", "<MPD/>");
  write_file(output_dir / "init-video0.mp4", "init");
  write_file(output_dir / "seg-video0-00001.m4s", "segment");
  ports::PackageSummary s;
  s.tracks = 1;
  s.segments = 1;
  if (bytes == "damaged") {
    s.warnings = {"track 0: 3 of 240 video packets were damaged (concealed or skipped)", "track 1: something else"};
  }
  if (progress) progress({1.0});
  return s;
}

core::Status FakePublisher::publish(const std::string& body) {
  if (auto ok = failures.tick(); !ok) return ok;
  std::lock_guard lock(mutex_);
  published_.push_back(body);
  return {};
}

std::vector<std::string> FakePublisher::published() {
  std::lock_guard lock(mutex_);
  return published_;
}

}  // namespace ve::fakes
