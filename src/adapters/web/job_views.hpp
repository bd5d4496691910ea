// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "ports/job_store.hpp"

namespace ve::adapters::web {

// The job API's query (GET /api/jobs?status=&limit=&before=) from its raw parameters: status a
// JobStatus name in any case, limit 1..500 (default 50), before a job id (the last of the previous
// page). InvalidInput naming the parameter otherwise.
core::Result<ports::JobQuery> parse_job_query(const std::optional<std::string>& status,
                                              const std::optional<std::string>& limit,
                                              const std::optional<std::string>& before);

// {"jobs": [job...], "next_before": "<id>"|null}: next_before is the last job's id when the page is
// full (there may be more), null otherwise. Each job as in job_json.
std::string job_page_json(const std::vector<ports::JobRecord>& jobs, const ports::JobQuery& query);

// {"job": {"id", "status", "error", "progress", "frames_per_second", "created_at", "updated_at",
//  "duration_seconds", "output_bucket_path", "video": {"id", "resource_id", "file_path", "created_at"}},
//  "events": [{"status", "at", "note"}...], "outputs": [{"path", "bytes", "url"}...], "output_bytes"}
// with RFC 3339 times. duration_seconds: from creation to the last update for a finished job, null
// while it runs. outputs: the uploaded files in the order given (the store's: by path), each with
// its GET /outputs/<video id>/<path> url (percent-encoded); output_bytes their total (0 for none).
std::string job_detail_json(const ports::JobRecord& job, const std::vector<ports::JobEvent>& events,
                            const std::vector<ports::OutputFile>& outputs);

}  // namespace ve::adapters::web
