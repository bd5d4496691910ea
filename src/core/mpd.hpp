// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/segment_planner.hpp"
#include "core/track.hpp"

namespace ve::core {

// One representation as packaged: the track, its segments (times in track.timescale) and the
// presentation time offset that maps its media timeline to presentation time zero.
struct PackagedTrack {
  TrackDescription track;
  std::string id;
  int64_t presentation_time_offset = 0;
  std::vector<SegmentRecord> segments;
};

// A text track written as one WebVTT file for DASH (its HLS segments are listed by the HLS writer).
struct PackagedTextFile {
  std::string id;        // "text2"
  std::string language;  // as stored in the input; empty when unknown
  uint64_t bytes = 0;    // size of the whole WebVTT file
};

// Seconds of the presentation: the latest end of any track relative to its offset.
double presentation_duration_seconds(const std::vector<PackagedTrack>& tracks);

// A static MPEG-DASH manifest (ISO/IEC 23009-1, isoff-live profile): one AdaptationSet per input
// track (the renditions of an encoded ladder share their track's set, with segmentAlignment),
// SegmentTemplate with SegmentTimeline, names from output_naming.hpp; then one text AdaptationSet
// per subtitle track (contentType text, mimeType text/vtt, Role subtitle) whose Representation
// names its whole WebVTT file in a BaseURL, cue times on the presentation timeline.
std::string render_mpd(const std::vector<PackagedTrack>& tracks, double min_buffer_seconds,
                       const std::vector<PackagedTextFile>& texts = {});

}  // namespace ve::core
