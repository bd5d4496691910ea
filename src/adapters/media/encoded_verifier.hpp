// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <vector>

#include "core/error.hpp"
#include "ports/packager.hpp"

namespace ve::adapters::media {

// What the encoder saw of the source's video, for checking the renditions against it.
struct DecodedSource {
  int64_t frames = 0;            // frames decoded (and fed to every rung)
  double duration_seconds = 0;   // from the first frame's start to the last frame's end
  double frame_seconds = 0;      // one frame (the longest of the source's), the tolerance
};

// --verify for an encoded presentation (manifest.mpd or master.m3u8): every representation is
// read back and decoded. Encoded video renditions must decode without an error, with as many
// frames as the source had and the same duration (within a frame); kept representations must
// carry the input's packets (same count, and same bytes when the input is an MP4 the packager
// reads); and in an MPD every video representation must have the same segment boundaries.
// Internal naming the first difference.
core::Status verify_encoded_presentation(const std::filesystem::path& input, const std::filesystem::path& manifest,
                                         const std::vector<ports::RenditionSummary>& renditions,
                                         const DecodedSource& source);

}  // namespace ve::adapters::media
