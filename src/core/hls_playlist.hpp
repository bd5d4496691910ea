// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/mpd.hpp"
#include "core/track.hpp"

namespace ve::core {

// HTTP Live Streaming playlists (RFC 8216, following Apple's HLS Authoring Specification) for the
// fMP4 segments the DASH manifest also points at. Pure text rendering; no I/O.

// One media segment of a media playlist; duration in the playlist's timescale.
struct HlsSegment {
  int64_t duration = 0;
  uint64_t bytes = 0;
  std::string uri;
};

// One media playlist: a packaged representation, or a WebVTT subtitle track.
struct HlsMediaPlaylist {
  uint32_t timescale = 0;  // ticks per second (> 0 when there are segments)
  std::string init_uri;    // EXT-X-MAP URI; empty for WebVTT playlists (no map)
  std::vector<HlsSegment> segments;
};

// The media playlist of a packaged representation: segment k lasts until segment k+1 begins, the last
// until its end_time (the durations of build_timeline, so DASH and HLS agree to the tick); URIs are the
// file names of output_naming.hpp, numbered from kFirstSegmentNumber.
HlsMediaPlaylist media_playlist_of(const PackagedTrack& track);

// A VOD media playlist: #EXTM3U, #EXT-X-VERSION (6 with EXT-X-MAP, else 3 for the decimal EXTINF),
// #EXT-X-TARGETDURATION, #EXT-X-PLAYLIST-TYPE:VOD, #EXT-X-INDEPENDENT-SEGMENTS, #EXT-X-MAP when there is
// an init segment, #EXTINF and URI per segment, #EXT-X-ENDLIST. EXTINF is the duration in seconds
// rounded to the microsecond, with 3 to 6 decimals; negative durations are written as 0.
std::string render_media_playlist(const HlsMediaPlaylist& playlist);

// EXT-X-TARGETDURATION (RFC 8216 4.3.3.1): the smallest integer >= 1 that every EXTINF duration, as
// written and rounded to the nearest integer (halves up), does not exceed. Integer math on ticks.
int64_t target_duration_seconds(const HlsMediaPlaylist& playlist);

// Peak segment bit rate in bits/s (RFC 8216 4.3.4.2, BANDWIDTH): the largest bit rate of any contiguous
// run of segments whose total duration is between 0.5 and 1.5 times the target duration (inclusive),
// rounded up; the whole playlist's rate when no run qualifies. Exact integer math in a few linear passes,
// so 100,000 short segments under a long target stay cheap.
uint64_t peak_bit_rate(const HlsMediaPlaylist& playlist);

// AVERAGE-BANDWIDTH in bits/s: all segment bytes * 8 over the total duration, rounded up; 0 for no
// duration.
uint64_t average_bit_rate(const HlsMediaPlaylist& playlist);

// One video representation: one variant per audio group (several videos make an ABR ladder).
struct HlsVideo {
  std::string uri;     // its media playlist
  std::string codecs;  // RFC 6381, e.g. avc1.64001f
  int width = 0;
  int height = 0;
  Rational frame_rate{0, 1};  // {0,1} when unknown: FRAME-RATE omitted
  uint64_t peak_bit_rate = 0;
  uint64_t average_bit_rate = 0;
};

// An EXT-X-MEDIA rendition, TYPE=AUDIO or SUBTITLES.
struct HlsRendition {
  std::string uri;
  std::string language;  // as stored in the input (ISO 639-2, e.g. "eng", "fre"); empty when unknown
  std::string codecs;    // audio only, e.g. mp4a.40.2, ec-3
  int channels = 0;      // audio only; 0 when unknown: CHANNELS omitted
  uint64_t peak_bit_rate = 0;     // audio only
  uint64_t average_bit_rate = 0;  // audio only
};

struct HlsPresentation {
  std::vector<HlsVideo> videos;
  std::vector<HlsRendition> audios;     // in input order
  std::vector<HlsRendition> subtitles;  // WebVTT
};

// GROUP-ID of the audio group of a codec: "audio-" and a short name ("aac" for mp4a.40.2, "he-aac",
// "he-aac-v2", "mp3", "ac-3", "ec-3", "opus", "flac"), else the codecs value with every character other
// than a-z 0-9 and '-' replaced by '-' (lower case).
std::string audio_group_id(std::string_view codecs);

// The master (multivariant) playlist. No EXT-X-VERSION: none of the tags used needs more than version 1.
// Audio renditions are grouped by audio_group_id, groups in order of first appearance, renditions in
// input order; the first of each group is DEFAULT. NAME is the language's English name, else "Audio N"
// ("Subtitles N") with N the 1-based position in its list, made unique in its group by " 2", " 3".
// Subtitles form one group "subs". Variants: for each video in order, one EXT-X-STREAM-INF per audio
// group in group order (one per video without audio), BANDWIDTH and AVERAGE-BANDWIDTH the video's plus
// the group's largest; without videos, one audio-only variant per group pointing at its default
// rendition. Quoted values lose '"' (made '\'') and control characters (RFC 8216 4.2).
std::string render_master_playlist(const HlsPresentation& p);

}  // namespace ve::core
