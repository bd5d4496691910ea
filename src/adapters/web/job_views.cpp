// SPDX-License-Identifier: Apache-2.0
#include "adapters/web/job_views.hpp"

#include <cctype>
#include <charconv>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "core/text_encoding.hpp"
#include "core/time_format.hpp"
#include "core/uuid.hpp"

namespace ve::adapters::web {
namespace {

constexpr size_t kDefaultLimit = 50;
constexpr size_t kMaxLimit = 500;

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

nlohmann::json job_json(const ports::JobRecord& job) {
  nlohmann::json j;
  j["id"] = job.id;
  j["status"] = core::to_string(job.status);
  j["error"] = job.error;
  j["progress"] = job.progress_percent ? nlohmann::json(*job.progress_percent) : nlohmann::json(nullptr);
  j["frames_per_second"] = job.frames_per_second;
  j["created_at"] = core::format_rfc3339(job.created_at);
  j["updated_at"] = core::format_rfc3339(job.updated_at);
  j["duration_seconds"] = core::is_final(job.status)
                              ? nlohmann::json(std::chrono::duration<double>(job.updated_at - job.created_at).count())
                              : nlohmann::json(nullptr);
  j["output_bucket_path"] = job.output_bucket_path;
  j["video"] = {{"id", job.video.id},
                {"resource_id", job.video.resource_id},
                {"file_path", job.video.file_path},
                {"created_at", core::format_rfc3339(job.video.created_at)}};
  return j;
}

}  // namespace

core::Result<ports::JobQuery> parse_job_query(const std::optional<std::string>& status,
                                              const std::optional<std::string>& limit,
                                              const std::optional<std::string>& before) {
  ports::JobQuery query;
  query.limit = kDefaultLimit;
  if (status && !status->empty()) {
    std::string name = *status;
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    query.status = core::parse_job_status(name);
    if (!query.status) {
      return core::fail(core::Error::invalid_input("status: unknown '" + *status +
                                                   "' (STARTING, DOWNLOADING, FRAGMENTING, ENCODING, UPLOADING, "
                                                   "FINISHING, COMPLETED, FAILED, ABANDONED)"));
    }
  }
  if (limit && !limit->empty()) {
    size_t n = 0;
    const auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc() || end != limit->data() + limit->size() || n < 1 || n > kMaxLimit) {
      return core::fail(core::Error::invalid_input("limit: must be a number from 1 to " + std::to_string(kMaxLimit)));
    }
    query.limit = n;
  }
  if (before && !before->empty()) {
    if (!core::is_uuid(*before)) return core::fail(core::Error::invalid_input("before: must be a job id"));
    query.before_id = *before;
  }
  return query;
}

std::string job_page_json(const std::vector<ports::JobRecord>& jobs, const ports::JobQuery& query) {
  nlohmann::json j;
  j["jobs"] = nlohmann::json::array();
  for (const auto& job : jobs) j["jobs"].push_back(job_json(job));
  const bool full = query.limit > 0 && jobs.size() == query.limit;
  j["next_before"] = full ? nlohmann::json(jobs.back().id) : nlohmann::json(nullptr);
  return dump(j);
}

std::string job_detail_json(const ports::JobRecord& job, const std::vector<ports::JobEvent>& events,
                            const std::vector<ports::OutputFile>& outputs) {
  nlohmann::json j;
  j["job"] = job_json(job);
  j["events"] = nlohmann::json::array();
  for (const auto& e : events) {
    j["events"].push_back({{"status", core::to_string(e.status)}, {"at", core::format_rfc3339(e.at)}, {"note", e.note}});
  }
  j["outputs"] = nlohmann::json::array();
  std::uint64_t total = 0;
  for (const auto& f : outputs) {
    j["outputs"].push_back({{"path", f.path}, {"bytes", f.bytes}, {"url", "/outputs/" + core::percent_encode(job.video.id + "/" + f.path, /*keep_slash=*/true)}});
    total += f.bytes;
  }
  j["output_bytes"] = total;
  return dump(j);
}

}  // namespace ve::adapters::web
