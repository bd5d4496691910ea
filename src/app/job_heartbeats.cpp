// SPDX-License-Identifier: Apache-2.0
#include "app/job_heartbeats.hpp"

#include <vector>

namespace ve::app {

void JobHeartbeats::started(const std::string& job_id, const std::string& doing, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  jobs_[job_id] = core::JobHeartbeat{job_id, doing, now};
}

void JobHeartbeats::progressed(const std::string& job_id, const std::string& doing, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  it->second.last_progress = now;
  if (!doing.empty()) it->second.doing = doing;
}

void JobHeartbeats::ended(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  jobs_.erase(job_id);
}

std::string JobHeartbeats::stuck(Clock::time_point now) const {
  std::vector<core::JobHeartbeat> jobs;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, beat] : jobs_) jobs.push_back(beat);
  }
  return core::stuck_jobs(std::move(jobs), now, limit_);
}

}  // namespace ve::app
