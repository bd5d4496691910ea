// SPDX-License-Identifier: Apache-2.0
#include "core/track.hpp"

#include <numeric>

namespace ve::core {

const char* to_string(MediaKind kind) {
  switch (kind) {
    case MediaKind::Video: return "video";
    case MediaKind::Audio: return "audio";
    case MediaKind::Text: return "text";
  }
  return "unknown";
}

const char* to_string(Codec codec) {
  switch (codec) {
    case Codec::H264: return "h264";
    case Codec::Hevc: return "hevc";
    case Codec::Av1: return "av1";
    case Codec::Aac: return "aac";
    case Codec::Ac3: return "ac3";
    case Codec::Eac3: return "eac3";
    case Codec::Opus: return "opus";
    case Codec::Flac: return "flac";
    case Codec::Mp3: return "mp3";
    case Codec::Mp2: return "mp2";
    case Codec::Dts: return "dts";
    case Codec::TrueHd: return "truehd";
    case Codec::Alac: return "alac";
  }
  return "unknown";
}

MediaKind media_kind_of(Codec codec) {
  switch (codec) {
    case Codec::H264:
    case Codec::Hevc:
    case Codec::Av1: return MediaKind::Video;
    default: return MediaKind::Audio;
  }
}

Rational reduce(Rational r) {
  if (r.den == 0) return r;
  if (r.den < 0) {
    r.num = -r.num;
    r.den = -r.den;
  }
  const int64_t g = std::gcd(r.num, r.den);
  if (g > 1) {
    r.num /= g;
    r.den /= g;
  }
  return r;
}

}  // namespace ve::core
