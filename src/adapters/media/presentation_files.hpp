// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/mpd.hpp"
#include "ports/packager.hpp"

namespace ve::adapters::media {

// How the input's clock maps onto the presentation, for the subtitle cues.
struct TextTiming {
  int64_t cue_shift_us = 0;  // added to the input's cue times to put them on the presentation timeline
  int64_t mpegts_origin = 0;  // 90 kHz media time of presentation time zero (HLS X-TIMESTAMP-MAP)
};

// Everything of a presentation besides its media segments, written into `folder`: the input's
// subtitle tracks as WebVTT (read again from `input` when `read_texts`), manifest.mpd and/or the
// HLS playlists (options.formats) over `tracks`, plus `skipped` ("track N: why") for the input's
// tracks left out. Answers the bytes written.
core::Result<uint64_t> write_presentation_files(const std::filesystem::path& input, bool read_texts,
                                                const std::filesystem::path& folder,
                                                const std::vector<core::PackagedTrack>& tracks,
                                                const TextTiming& timing, const ports::PackageOptions& options,
                                                std::vector<std::string>& skipped);

}  // namespace ve::adapters::media
