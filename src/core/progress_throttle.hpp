// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <optional>

namespace ve::core {

// What a job's stored progress says: how much of its input is encoded and how fast.
struct ProgressUpdate {
  double percent = 0;            // 0..100
  double frames_per_second = 0;  // encoded since the start; 0 when unknown
  friend bool operator==(const ProgressUpdate&, const ProgressUpdate&) = default;
};

// Picks which of a job's progress reports are worth storing, so a packager reporting every frame
// costs the database at most one write per `interval`: the first report, then one per interval,
// and always the first one that reaches 100 % (after which nothing more). A report without a rate
// (the packager's last one often has none) keeps the last rate seen. Not thread-safe: one per job.
class ProgressThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ProgressThrottle(Clock::duration interval = std::chrono::seconds(1)) : interval_(interval) {}

  // `fraction` of the input done (clamped to 0..1), `frames_per_second` so far, reported at `now`:
  // the update to store, or nullopt to skip this report.
  std::optional<ProgressUpdate> admit(double fraction, double frames_per_second, Clock::time_point now);

  // True once an update of 100 % was admitted.
  bool finished() const { return finished_; }

 private:
  Clock::duration interval_;
  std::optional<Clock::time_point> last_stored_;
  double last_rate_ = 0;
  bool finished_ = false;
};

}  // namespace ve::core
