// SPDX-License-Identifier: Apache-2.0
#include "app/notifications.hpp"

#include <nlohmann/json.hpp>

#include "core/time_format.hpp"

namespace ve::app {
namespace {

std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

std::string job_result_json(const ports::JobRecord& job) {
  nlohmann::json j;
  j["job_id"] = job.id;
  j["output_bucket_path"] = job.output_bucket_path;
  j["status"] = core::to_string(job.status);
  j["video"] = {{"encoded_video_folder", job.video.id},
                {"resource_id", job.video.resource_id},
                {"file_path", job.video.file_path}};
  j["Error"] = job.error;
  j["created_at"] = core::format_rfc3339(job.created_at);
  j["updated_at"] = core::format_rfc3339(job.updated_at);
  // Ours, added to the seed's fields (consumers ignore fields they do not know): how far ENCODING
  // got, in percent; absent when no progress was recorded.
  if (job.progress_percent) j["progress"] = *job.progress_percent;
  return dump(j);
}

std::string failure_json(std::string_view original_body, std::string_view error) {
  nlohmann::json j;
  j["message"] = std::string(original_body);
  j["error"] = std::string(error);
  return dump(j);
}

}  // namespace ve::app
