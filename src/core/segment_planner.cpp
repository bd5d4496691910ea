// SPDX-License-Identifier: Apache-2.0
#include "core/segment_planner.hpp"

#include <cassert>
#include <cmath>

namespace ve::core {

SegmentPlanner::SegmentPlanner(int64_t target_ticks) : target_(target_ticks) { assert(target_ticks > 0); }

bool SegmentPlanner::begins_segment(int64_t presentation_time, bool sync) {
  if (!started_) {
    started_ = true;
    // First grid line strictly after the first sample's time (which may be negative for pre-roll).
    next_boundary_ = presentation_time < 0 ? target_ : (presentation_time / target_ + 1) * target_;
    return true;
  }
  if (!sync || presentation_time < next_boundary_) return false;
  while (next_boundary_ <= presentation_time) next_boundary_ += target_;
  return true;
}

std::vector<TimelineEntry> build_timeline(const std::vector<SegmentRecord>& segments) {
  std::vector<TimelineEntry> out;
  for (size_t i = 0; i < segments.size(); ++i) {
    const int64_t t = segments[i].earliest_time;
    const int64_t next = i + 1 < segments.size() ? segments[i + 1].earliest_time : segments[i].end_time;
    const int64_t d = next - t;
    if (!out.empty() && out.back().d == d && out.back().t + (out.back().r + 1) * out.back().d == t) {
      ++out.back().r;
    } else {
      out.push_back({t, d, 0});
    }
  }
  return out;
}

uint64_t peak_bandwidth(const std::vector<SegmentRecord>& segments, uint32_t timescale) {
  if (segments.empty() || timescale == 0) return 0;
  const size_t counted = segments.size() == 1 ? 1 : segments.size() - 1;
  double peak = 0;
  for (size_t i = 0; i < counted; ++i) {
    const int64_t next = i + 1 < segments.size() ? segments[i + 1].earliest_time : segments[i].end_time;
    const int64_t d = next - segments[i].earliest_time;
    if (d <= 0) continue;
    const double bps = static_cast<double>(segments[i].bytes) * 8.0 * timescale / static_cast<double>(d);
    if (bps > peak) peak = bps;
  }
  return static_cast<uint64_t>(std::ceil(peak));
}

}  // namespace ve::core
