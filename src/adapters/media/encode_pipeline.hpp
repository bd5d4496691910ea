// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "adapters/media/av_handles.hpp"
#include "adapters/media/encoded_verifier.hpp"
#include "adapters/media/source_media.hpp"
#include "core/ladder.hpp"
#include "core/mpd.hpp"
#include "ports/packager.hpp"

namespace ve::adapters::media {

// What encoding one input produced: the representations written into the folder, and what the
// presentation around them needs.
struct EncodedTracks {
  std::vector<core::PackagedTrack> tracks;  // video renditions tallest first, then audio
  std::vector<ports::RenditionSummary> renditions;
  // Media time zero and presentation time zero in the input's time, microseconds (media time
  // zero comes first, by the audio's priming; see EncodedOutput).
  int64_t media_zero_us = 0;
  int64_t presentation_zero_us = 0;
  int64_t frames = 0;  // video frames decoded and encoded
  DecodedSource source;  // the decoded video, for --verify
  std::vector<std::string> warnings;
  Frame poster;  // an upright picture for poster.jpg (null without video)
  core::PictureSize poster_size;
};

// Decodes `input` once and writes every planned video rendition (encoded in parallel, one thread
// per rung, or the source's packets when kept) and every audio track (kept as it is when
// `keep_audio[i]`, else AAC) as fMP4 segments into `folder`. Frames in flight are bounded.
// InvalidInput for a video that cannot be decoded, or whose packets are mostly damaged (a few
// concealed errors are warnings); Transient "cancelled" when options.cancel asks.
core::Result<EncodedTracks> encode_tracks(SourceMedia& input, const std::vector<core::PlannedRendition>& plan,
                                          const std::vector<bool>& keep_audio, const std::filesystem::path& folder,
                                          const ports::PackageOptions& options, const ports::ProgressFn& progress);

}  // namespace ve::adapters::media
