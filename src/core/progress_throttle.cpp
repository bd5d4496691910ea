// SPDX-License-Identifier: Apache-2.0
#include "core/progress_throttle.hpp"

#include <algorithm>
#include <cmath>

namespace ve::core {

std::optional<ProgressUpdate> ProgressThrottle::admit(double fraction, double frames_per_second,
                                                      Clock::time_point now) {
  if (std::isfinite(frames_per_second) && frames_per_second > 0) last_rate_ = frames_per_second;
  if (finished_) return std::nullopt;
  const double clamped = std::isfinite(fraction) ? std::clamp(fraction, 0.0, 1.0) : 0.0;
  const bool complete = clamped >= 1.0;
  if (!complete && last_stored_ && now - *last_stored_ < interval_) return std::nullopt;
  last_stored_ = now;
  finished_ = complete;
  return ProgressUpdate{clamped * 100.0, last_rate_};
}

}  // namespace ve::core
