// SPDX-License-Identifier: Apache-2.0
#include "core/liveness.hpp"

#include <algorithm>

namespace ve::core {

std::string stuck_jobs(std::vector<JobHeartbeat> jobs, std::chrono::steady_clock::time_point now,
                       std::chrono::steady_clock::duration limit) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  if (limit <= std::chrono::steady_clock::duration::zero()) return {};
  std::erase_if(jobs, [&](const JobHeartbeat& j) { return now - j.last_progress < limit; });
  std::sort(jobs.begin(), jobs.end(),
            [](const JobHeartbeat& a, const JobHeartbeat& b) { return a.last_progress < b.last_progress; });
  std::string reason;
  for (const JobHeartbeat& j : jobs) {
    if (!reason.empty()) reason += "; ";
    reason += "job " + j.job_id + " has shown no progress for " +
              std::to_string(duration_cast<seconds>(now - j.last_progress).count()) + " s (" + j.doing + "; limit " +
              std::to_string(duration_cast<seconds>(limit).count()) + " s)";
  }
  return reason;
}

}  // namespace ve::core
