// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "ports/job_store.hpp"

namespace ve::app {

// The finished job as the seed system published it:
// {"job_id", "output_bucket_path", "status", "video": {"encoded_video_folder", "resource_id",
//  "file_path"}, "Error", "created_at", "updated_at"} with RFC 3339 times, plus "progress" (percent
// of ENCODING done, 100 for a completed job) when the job recorded any.
std::string job_result_json(const ports::JobRecord& job);

// {"message": "<original body>", "error": "<reason>"}; bytes that are not UTF-8 become U+FFFD.
std::string failure_json(std::string_view original_body, std::string_view error);

}  // namespace ve::app
