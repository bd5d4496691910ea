// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "adapters/media/text_tracks.hpp"
#include "core/error.hpp"
#include "core/hls_playlist.hpp"
#include "core/mpd.hpp"
#include "core/output_formats.hpp"

namespace ve::adapters::media {

// A subtitle track as written: its whole WebVTT file for DASH and its segments for HLS.
struct WrittenTextTrack {
  core::PackagedTextFile file;      // text<N>.vtt (bytes 0 without DASH)
  core::HlsMediaPlaylist playlist;  // seg-text<N>-NNNNN.vtt in microseconds (empty without HLS)
  uint64_t bytes = 0;               // everything written
};

// Writes one subtitle track into `folder`. DASH: the whole track as text<N>.vtt with cue times on
// the presentation timeline. HLS: one WebVTT segment per media segment (`segment_starts_us`, the
// last ending at `end_us`), each with the cues that overlap it and X-TIMESTAMP-MAP mapping LOCAL 0
// to `mpegts_origin`, the 90 kHz media time of presentation time zero. Cues past `end_us` are cut
// there; cues ending before 0 are dropped.
core::Result<WrittenTextTrack> write_text_track(const TextTrack& track, const std::filesystem::path& folder,
                                                const core::OutputFormats& formats,
                                                const std::vector<int64_t>& segment_starts_us, int64_t end_us,
                                                int64_t mpegts_origin);

}  // namespace ve::adapters::media
