// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "core/liveness.hpp"

namespace ve::app {

// The jobs the workers are running and when each last showed progress, for the liveness probe
// (GET /healthz). JobProcessor reports a job's start, its status changes, the pieces of its input
// received, encoded frames and uploaded files, and its end. Thread-safe; `Clock` is replaceable for tests.
class JobHeartbeats {
 public:
  using Clock = std::chrono::steady_clock;

  // `limit`: how long a job may show no progress before the service counts as stuck (zero: never).
  explicit JobHeartbeats(Clock::duration limit) : limit_(limit) {}

  void started(const std::string& job_id, const std::string& doing, Clock::time_point now = Clock::now());
  // Progress of a started job; `doing` empty keeps what it was doing.
  void progressed(const std::string& job_id, const std::string& doing = {}, Clock::time_point now = Clock::now());
  void ended(const std::string& job_id);

  // Empty while every job showed progress within the limit; otherwise which did not (core::stuck_jobs).
  std::string stuck(Clock::time_point now = Clock::now()) const;

 private:
  Clock::duration limit_;
  mutable std::mutex mutex_;
  std::map<std::string, core::JobHeartbeat> jobs_;
};

}  // namespace ve::app
