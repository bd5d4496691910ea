// SPDX-License-Identifier: Apache-2.0
#include "core/hls_presentation.hpp"

#include "core/output_naming.hpp"

namespace ve::core {

HlsPresentation hls_presentation_of(const std::vector<PackagedTrack>& tracks, std::vector<HlsRendition> subtitles) {
  HlsPresentation p;
  for (const PackagedTrack& t : tracks) {
    const HlsMediaPlaylist playlist = media_playlist_of(t);
    if (t.track.kind == MediaKind::Video) {
      HlsVideo v;
      v.uri = hls_playlist_name(t.id);
      v.codecs = t.track.codecs;
      v.width = t.track.width;
      v.height = t.track.height;
      v.frame_rate = t.track.frame_rate;
      v.peak_bit_rate = peak_bit_rate(playlist);
      v.average_bit_rate = average_bit_rate(playlist);
      p.videos.push_back(std::move(v));
    } else {
      HlsRendition a;
      a.uri = hls_playlist_name(t.id);
      a.language = t.track.language;
      a.codecs = t.track.codecs;
      a.channels = t.track.channels;
      a.peak_bit_rate = peak_bit_rate(playlist);
      a.average_bit_rate = average_bit_rate(playlist);
      p.audios.push_back(std::move(a));
    }
  }
  p.subtitles = std::move(subtitles);
  return p;
}

std::vector<int64_t> text_segment_starts_us(const PackagedTrack& reference) {
  std::vector<int64_t> starts;
  const int64_t timescale = reference.track.timescale;
  if (timescale <= 0) return {0};
  for (const SegmentRecord& s : reference.segments) {
    const int64_t ticks = s.earliest_time - reference.presentation_time_offset;
    const auto us = static_cast<int64_t>(static_cast<__int128>(ticks) * 1000000 / timescale);
    if (starts.empty()) {
      starts.push_back(0);
    } else if (us > starts.back()) {
      starts.push_back(us);
    }
  }
  if (starts.empty()) starts.push_back(0);
  return starts;
}

}  // namespace ve::core
