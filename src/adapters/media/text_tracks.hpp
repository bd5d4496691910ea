// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <filesystem>
#include <stop_token>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/webvtt.hpp"

namespace ve::adapters::media {

// A text (subtitle) track of the input as WebVTT cues, in presentation order.
struct TextTrack {
  int input_index = 0;   // the stream's index in the input, as MediaInput's tracks have
  std::string language;  // as stored, "" for und
  std::vector<core::WebVttCue> cues;
};

// A track that is neither audio/video for the packager nor a text track read here.
struct SkippedTrack {
  int input_index = 0;
  std::string reason;  // "timecode track", "cover art", "subtitle codec dvd_subtitle is a bitmap format", ...
};

// Per input, over all its text tracks.
inline constexpr size_t kMaxTextCues = 100'000;
inline constexpr size_t kMaxTextCueBytes = size_t{16} << 20;

// Reads every text subtitle track of an input as WebVTT cues. The input is opened anew with
// libavformat and only its subtitle samples are read. mov_text (3GPP 'tx3g') goes through
// libavcodec's decoder and its WebVTT encoder (styles become <b> <i> <u>; plain '&' '<' '>' are
// escaped); ISO/IEC 14496-30 'wvtt' samples through core::parse_wvtt_sample. Cue times are the
// samples' times in microseconds on the input's presentation timeline (the one libavformat gives
// audio and video, edit lists applied); a cue starting before 0 is cut to start at 0. Empty samples
// are gaps, not cues. Tracks that are not audio, video or text (timecode, cover art, data, bitmap or
// unsupported subtitle codecs) are appended to *skipped when given; audio and video are not listed.
// Errors: NotFound for a missing file; InvalidInput for an unreadable or truncated file, a corrupt
// subtitle sample (naming the track), or more than kMaxTextCues cues or kMaxTextCueBytes bytes of
// cue text (a single sample larger than that is refused before it is converted); Transient
// "cancelled" once stop is requested. One thread per call; calls are independent.
core::Result<std::vector<TextTrack>> read_text_tracks(const std::filesystem::path& input, std::stop_token stop,
                                                      std::vector<SkippedTrack>* skipped);

}  // namespace ve::adapters::media
