// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

namespace ve::core {

// Text: subtitle tracks, which are converted to WebVTT rather than packaged as fMP4 samples.
enum class MediaKind { Video, Audio, Text };

// Codecs the packager can carry into fragmented MP4 without re-encoding. Mp2 and Mp3 stand for
// MPEG-1/2 audio layers I-II and III (the MP4 demuxer reports any of them in 'mp4a' as MP3).
enum class Codec { H264, Hevc, Av1, Aac, Ac3, Eac3, Opus, Flac, Mp3, Mp2, Dts, TrueHd, Alac };

const char* to_string(MediaKind kind);
const char* to_string(Codec codec);
MediaKind media_kind_of(Codec codec);

struct Rational {
  int64_t num = 0;
  int64_t den = 1;
  friend bool operator==(const Rational&, const Rational&) = default;
};

// Reduces by the greatest common divisor; den is made positive. {0,0} stays {0,0}.
Rational reduce(Rational r);

// What the manifest needs to know about one input track.
struct TrackDescription {
  int input_index = 0;
  MediaKind kind = MediaKind::Video;
  Codec codec = Codec::H264;
  std::string codecs;    // RFC 6381 codecs parameter, e.g. avc1.64001f
  std::string language;  // ISO 639 code from the input; empty when absent or "und"
  uint32_t timescale = 0;
  // Video only.
  int width = 0;
  int height = 0;
  Rational sample_aspect_ratio{1, 1};
  Rational frame_rate{0, 1};  // {0,1} when unknown
  // Audio only.
  int sample_rate = 0;
  int channels = 0;
};

}  // namespace ve::core
