// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace ve::core {

// A job a worker is running, as liveness sees it: when it last showed progress (a status change,
// encoded frames, an uploaded file) and what it was doing then.
struct JobHeartbeat {
  std::string job_id;
  std::string doing;  // e.g. "DOWNLOADING"
  std::chrono::steady_clock::time_point last_progress;
};

// Why the service is not live, for GET /healthz: empty when every job has shown progress within
// `limit` (or `limit` is zero or less: the check is off); otherwise one sentence per silent job,
// the longest silence first, e.g. "job 5f0c... has shown no progress for 95 s (DOWNLOADING; limit
// 60 s)", joined by "; ".
std::string stuck_jobs(std::vector<JobHeartbeat> jobs, std::chrono::steady_clock::time_point now,
                       std::chrono::steady_clock::duration limit);

}  // namespace ve::core
