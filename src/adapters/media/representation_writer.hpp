// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "adapters/media/media_input.hpp"
#include "core/mpd.hpp"
#include "core/segment_planner.hpp"

namespace ve::adapters::media {

// Cuts one track's samples into numbered fMP4 media segments in a folder, copying sample bytes
// straight from the input file. Holds only the current segment's sample descriptors, never their
// data. Timing (the CMAF way): media time is presentation time moved by the presentation's common
// origin (MediaInput::origin, <= 0), the same for every track; decode times are delayed by the first
// sample's composition offset so that the first sample's decode and presentation times coincide,
// and B-frames then have negative composition offsets (trun version 1). So the first frame is at the
// start of the media timeline, audio and video keep the input's relative timing, and the origin
// becomes each representation's presentationTimeOffset (0 for most files). Only a track starting
// before that origin (which start times rule out for well-formed files) falls back to its own.
// Encoded packets, which exist only in memory, come with their bytes (add with `bytes`; the writer
// is then made with input_fd -1) and may say themselves where segments begin (`begins_segment`),
// so that every rendition of a ladder cuts at the same frames.
// One thread at a time.
class RepresentationWriter {
 public:
  RepresentationWriter(core::TrackDescription description, AVRational input_time_base, AVRational output_time_base,
                       double segment_seconds, std::filesystem::path folder, int input_fd, int64_t origin = 0,
                       AVRational origin_time_base = {1, 1});

  // The representation id, which names the segment files ("video0" from the description by
  // default); set before the first add().
  void set_id(std::string id) { packaged_.id = std::move(id); }

  core::Status add(const InputSample& sample, std::vector<uint8_t> bytes = {},
                  std::optional<bool> begins_segment = std::nullopt);
  // Writes the last segment. InvalidInput when the track had no samples.
  core::Status finish();

  const core::PackagedTrack& packaged() const { return packaged_; }
  uint64_t bytes_written() const { return bytes_; }

 private:
  struct Pending {
    int64_t pos;
    uint32_t size;
    int64_t decode_time;        // output time base, shifted
    int64_t presentation_time;  // output time base, shifted
    bool sync;
    std::vector<uint8_t> bytes;  // in-memory samples only
  };
  core::Status flush(int64_t next_decode_time);

  core::PackagedTrack packaged_;
  AVRational input_tb_;
  AVRational output_tb_;
  core::SegmentPlanner planner_;
  std::filesystem::path folder_;
  int input_fd_;
  int64_t origin_;  // output ticks, <= 0
  bool started_ = false;
  int64_t shift_ = 0;  // output ticks subtracted from input times
  int64_t delay_ = 0;  // output ticks added to decode times: the first sample's composition offset
  int64_t last_duration_ = 0;
  std::vector<Pending> pending_;
  uint64_t bytes_ = 0;
};

}  // namespace ve::adapters::media
