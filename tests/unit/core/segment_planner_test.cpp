// SPDX-License-Identifier: Apache-2.0
#include "core/segment_planner.hpp"

#include <gtest/gtest.h>

namespace ve::core {
namespace {

// Feeds samples of equal duration with a sync sample every `gop` samples; returns segment starts.
std::vector<int64_t> starts(int64_t target, int64_t first, int64_t step, int count, int gop) {
  SegmentPlanner planner(target);
  std::vector<int64_t> out;
  for (int i = 0; i < count; ++i) {
    const int64_t t = first + i * step;
    if (planner.begins_segment(t, i % gop == 0)) out.push_back(t);
  }
  return out;
}

TEST(SegmentPlanner, CutsAtSyncSamplesOnTheGrid) {
  // 25 fps in ticks of 1/25 s, keyframe every second, 4 s target over 10 s.
  EXPECT_EQ(starts(100, 0, 1, 250, 25), (std::vector<int64_t>{0, 100, 200}));
}

TEST(SegmentPlanner, SparseKeyframesMakeLongerSegments) {
  // Keyframes every 5 s with a 4 s target: every keyframe starts a segment, 5 s apart.
  EXPECT_EQ(starts(4, 0, 1, 20, 5), (std::vector<int64_t>{0, 5, 10, 15}));
  // A single keyframe: one segment however long the track.
  EXPECT_EQ(starts(4, 0, 1, 100, 1000), (std::vector<int64_t>{0}));
}

TEST(SegmentPlanner, GridIsAnchoredAtPresentationZeroNotTheFirstSample) {
  // Audio starting at 3: the next boundary is 4, not 7, so it lines up with other tracks.
  EXPECT_EQ(starts(4, 3, 1, 10, 1), (std::vector<int64_t>{3, 4, 8, 12}));
}

TEST(SegmentPlanner, NegativeFirstTimeStillCutsAtTheFirstGridLine) {
  EXPECT_EQ(starts(4, -2, 1, 10, 1), (std::vector<int64_t>{-2, 4}));
}

TEST(SegmentPlanner, NonSyncSamplesNeverStartASegment) {
  SegmentPlanner planner(10);
  EXPECT_TRUE(planner.begins_segment(0, false));  // the first sample always does
  EXPECT_FALSE(planner.begins_segment(50, false));
  EXPECT_TRUE(planner.begins_segment(51, true));
  EXPECT_FALSE(planner.begins_segment(55, true));  // next grid line is 60
  EXPECT_TRUE(planner.begins_segment(60, true));
}

TEST(SegmentTimeline, CollapsesEqualDurations) {
  std::vector<SegmentRecord> segs = {{0, 400, 1}, {400, 800, 1}, {800, 1200, 1}, {1200, 1300, 1}};
  EXPECT_EQ(build_timeline(segs), (std::vector<TimelineEntry>{{0, 400, 2}, {1200, 100, 0}}));
}

TEST(SegmentTimeline, DurationRunsUntilTheNextSegmentStarts) {
  // B-frames: a segment's own end may overlap the next start; the timeline has no gaps or overlaps.
  std::vector<SegmentRecord> segs = {{2, 410, 1}, {402, 799, 1}};
  EXPECT_EQ(build_timeline(segs), (std::vector<TimelineEntry>{{2, 400, 0}, {402, 397, 0}}));
  EXPECT_TRUE(build_timeline({}).empty());
}

TEST(PeakBandwidth, IgnoresAShortTailUnlessAlone) {
  // 1000 bytes over 1 s = 8000 bps; the 0.1 s tail of 500 bytes would be 40000 bps.
  std::vector<SegmentRecord> segs = {{0, 1000, 1000}, {1000, 2000, 500}, {2000, 2100, 500}};
  EXPECT_EQ(peak_bandwidth(segs, 1000), 8000u);
  EXPECT_EQ(peak_bandwidth({{0, 500, 1000}}, 1000), 16000u);
  EXPECT_EQ(peak_bandwidth({}, 1000), 0u);
}

}  // namespace
}  // namespace ve::core
