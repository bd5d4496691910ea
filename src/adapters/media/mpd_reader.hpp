// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace ve::adapters::media {

// A representation as a manifest describes it, with its files resolved against the manifest's folder.
struct ManifestRepresentation {
  std::string id;
  std::string content_type;
  std::string codecs;
  uint32_t timescale = 0;
  int64_t presentation_time_offset = 0;
  std::filesystem::path init_segment;
  std::vector<std::filesystem::path> media_segments;  // in playback order
  std::vector<int64_t> segment_times;                 // S@t of each media segment
};

// Reads the audio and video representations of a static MPD that uses SegmentTemplate with SegmentTimeline (libxml2). InvalidInput when
// the manifest is malformed or uses a form this packager does not write.
core::Result<std::vector<ManifestRepresentation>> read_manifest(const std::filesystem::path& mpd);

}  // namespace ve::adapters::media
