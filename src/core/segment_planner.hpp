// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <vector>

namespace ve::core {

// Decides where media segments begin for one track. Boundaries sit on a fixed grid of the target
// duration measured from presentation time zero, so tracks cut independently stay aligned; a
// segment begins at the first sync sample at or past the next grid line. Inputs whose sync samples
// are further apart than the target get longer segments. Not thread-safe; one per track.
class SegmentPlanner {
 public:
  // target_ticks: the target segment duration in the track's timescale (> 0).
  explicit SegmentPlanner(int64_t target_ticks);

  // Called for every sample in decode order with its presentation time relative to the
  // presentation's origin. True when the sample begins a new segment; the first sample always does.
  bool begins_segment(int64_t presentation_time, bool sync);

 private:
  int64_t target_;
  int64_t next_boundary_ = 0;
  bool started_ = false;
};

// One written media segment, in the track's timescale.
struct SegmentRecord {
  int64_t earliest_time = 0;  // earliest presentation time of any sample in it
  int64_t end_time = 0;       // latest presentation time + duration of any sample in it
  uint64_t bytes = 0;         // size of the segment file
};

// An <S t d r> element of a SegmentTimeline.
struct TimelineEntry {
  int64_t t = 0;
  int64_t d = 0;
  int64_t r = 0;  // repeat count: r + 1 segments of duration d
  friend bool operator==(const TimelineEntry&, const TimelineEntry&) = default;
};

// Segment k lasts until segment k+1 begins; the last lasts until its end_time. Runs of equal
// durations collapse into one entry with a repeat count.
std::vector<TimelineEntry> build_timeline(const std::vector<SegmentRecord>& segments);

// Peak bit rate over the segments, in bits per second; the final segment counts only when it is
// the only one, since a short tail would overstate the peak. 0 for no segments.
uint64_t peak_bandwidth(const std::vector<SegmentRecord>& segments, uint32_t timescale);

}  // namespace ve::core
