// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <vector>

#include "core/hls_playlist.hpp"
#include "core/mpd.hpp"

namespace ve::core {

// The master playlist's view of a packaged presentation: each video representation a variant
// (several for a ladder), each audio representation an EXT-X-MEDIA rendition, with bit rates
// measured from the segments as their media playlists list them. Subtitle renditions are given.
HlsPresentation hls_presentation_of(const std::vector<PackagedTrack>& tracks, std::vector<HlsRendition> subtitles);

// Where a subtitle track's HLS segments begin, in microseconds of presentation time: at the
// segment starts of `reference` (the first video representation, else the first audio one), so
// text segments have the same durations as the media segments; the first begins at 0.
std::vector<int64_t> text_segment_starts_us(const PackagedTrack& reference);

}  // namespace ve::core
