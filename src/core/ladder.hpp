// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/track.hpp"

namespace ve::core {

// One rung of an encoding ladder: a picture height and an average bit rate (bits per second).
struct Rung {
  int height = 0;
  int64_t bitrate = 0;
  friend bool operator==(const Rung&, const Rung&) = default;
};

// --renditions / RENDITIONS: "source" (repackage only), "auto" (the default ladder capped at the
// source, keeping a browser-safe source as its top rendition) or a list such as
// "1080p:5000k,720p:2800k" (bit rates in bits per second, or with k or M).
enum class RenditionMode { Source, Auto, List };
struct RenditionsSetting {
  RenditionMode mode = RenditionMode::Auto;
  std::vector<Rung> rungs;  // List only: tallest first
  friend bool operator==(const RenditionsSetting&, const RenditionsSetting&) = default;
};

// InvalidInput naming the bad part: an unknown word, a height that is not an even number from 16
// to 4320 followed by 'p', a bit rate outside 50k..200M, or a height listed twice.
Result<RenditionsSetting> parse_renditions(std::string_view text);

// --audio-bitrate / AUDIO_BITRATE: "128k", "96000", from 32k to 512k. InvalidInput otherwise.
Result<int64_t> parse_audio_bitrate(std::string_view text);

// --x264-preset / X264_PRESET: one of libx264's presets, ultrafast to placebo (any case).
Result<std::string> parse_x264_preset(std::string_view text);

// The ladder `auto` uses, tallest first: 2160p:16000k, 1440p:9000k, 1080p:5000k, 720p:2800k,
// 480p:1400k, 360p:800k.
const std::vector<Rung>& default_ladder();

// What the planner needs to know of the source's video.
struct SourceVideo {
  int width = 0;   // coded picture size
  int height = 0;
  Rational sample_aspect_ratio{1, 1};
  int rotation = 0;  // clockwise degrees the picture is displayed rotated by: 0, 90, 180 or 270
  // nullopt for a codec fMP4 cannot carry as it is, or a stream in a form it cannot (H.264 in
  // Annex B, as MPEG-TS holds it): such a source is never kept.
  std::optional<Codec> codec = Codec::H264;
  int h264_profile = 100;  // profile_idc: 66 Baseline, 77 Main, 100 High, 110 High 10, ...
  int bit_depth = 8;
  bool chroma_420 = true;
  bool interlaced = false;
  bool hdr = false;  // PQ or HLG transfer: tone-mapped, never kept
  // The longest stretch without a key frame, the end of the stream included; 0 when unknown.
  double longest_keyframe_gap_seconds = 0;
  int64_t bitrate = 0;  // average, bits per second; 0 when unknown
};

// What the planner needs to know of a source's audio track.
struct SourceAudio {
  std::optional<Codec> codec;  // nullopt: a codec fMP4 cannot carry as it is, or an ADTS stream
  int aac_object_type = 0;     // MPEG-4 audio object type: 2 for AAC-LC, 5 HE-AAC, ...
  int channels = 0;
};

// Under auto an audio track is kept as it is when it is AAC-LC of one or two channels; otherwise
// (and under a list) it is encoded to AAC-LC stereo 48 kHz. `source` keeps everything.
bool keeps_audio(const SourceAudio& source, RenditionMode mode);

struct PictureSize {
  int width = 0;
  int height = 0;
  friend bool operator==(const PictureSize&, const PictureSize&) = default;
};

// The size the source is shown at: the sample aspect ratio applied to the width, then the rotation
// (90 and 270 swap width and height).
PictureSize display_size(const SourceVideo& source);

// The even width that keeps `display`'s aspect ratio at `height` (square pixels), at least 2.
int even_width_for(int height, PictureSize display);

// One planned video rendition. keep_source: the source's own packets, not encoded.
struct PlannedRendition {
  PictureSize size;
  int64_t bitrate = 0;  // average; maxrate 1.5x and bufsize 2x (encoded renditions only)
  int64_t maxrate = 0;
  int64_t bufsize = 0;
  bool keep_source = false;
  friend bool operator==(const PlannedRendition&, const PlannedRendition&) = default;
};

// Browser-safe as it is: H.264 of at most High profile (Constrained Baseline, Main or High),
// 8-bit 4:2:0, progressive, SDR, not rotated (browsers ignore the flag in fMP4), and a bit rate at most 1.5x `rung_bitrate` (unknown counts as safe).
// With segment_seconds > 0 its key frames must also come at most two segment durations apart, as
// they set the segment boundaries of the whole ladder (a long GOP would leave nothing to switch at).
bool is_browser_safe(const SourceVideo& source, int64_t rung_bitrate, double segment_seconds = 0);

// The renditions for a source, tallest first. Rungs taller than the displayed source are dropped,
// never upscaled; a source shorter than every rung gets one rendition at its own (even) size with
// the smallest rung's bit rate. `auto` plans the default ladder so, and when the source is
// browser-safe against the rung that would apply to its height (the shortest rung at least as
// tall, else the tallest), keeps the source as the top rendition and encodes only the rungs below
// it, spaced below the source's bit rate (spaced_below). `source` plans one kept rendition.
std::vector<PlannedRendition> plan_renditions(const SourceVideo& source, const RenditionsSetting& setting,
                                              double segment_seconds = 0);

// The rungs (tallest first) worth encoding below a top rendition of `top_bitrate` (a kept source's
// measured rate; 0 when unknown leaves them as they are). Neighbouring renditions should be 1.5x
// to 2x apart in bit rate (Apple's HLS authoring specification): a player switches between them
// by bandwidth, so a rung at nearly the rate of the one above it is never worth choosing. Each
// rung's rate is capped at 2/3 of the rendition above it; a rung that the cap leaves less than
// 1.5x above the next rung's own rate would crowd both neighbours and is left out. In a ladder
// whose own steps are at least 1.5x (the default's are 1.75x to 2x), leaving a rung out never
// opens a gap wider than 2.25x; a gap the source's rate already makes (a 1080p source at
// 7.5 Mb/s above 720p at 2.8 Mb/s) stays as it is. The smallest rung is always kept.
std::vector<Rung> spaced_below(int64_t top_bitrate, const std::vector<Rung>& rungs);

// The lowest H.264 level (level_idc: 30 for 3.0, 41 for 4.1, ...) whose limits (ITU-T H.264
// Table A-1: frame size in macroblocks, its sides, macroblocks per second, High-profile bit rate
// and CPB size) fit the picture, the frame rate and the VBV settings; 0 when none does.
int h264_level(PictureSize size, Rational frame_rate, int64_t maxrate, int64_t bufsize);

}  // namespace ve::core
