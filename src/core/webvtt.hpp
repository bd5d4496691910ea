// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ve::core {

// One WebVTT cue on the input's presentation timeline, in microseconds. text is WebVTT cue text
// (markup such as <i> allowed, '&' and '<' of plain text escaped); id and settings may be empty.
struct WebVttCue {
  int64_t start_us = 0;
  int64_t end_us = 0;
  std::string id;
  std::string settings;
  std::string text;

  bool operator==(const WebVttCue&) const = default;
};

// "HH:MM:SS.mmm", rounded to the nearest millisecond; hours take more digits past 99. Negative
// times are written as 00:00:00.000 (WebVTT has no negative timestamps).
std::string webvtt_timestamp(int64_t us);

// Escapes plain text for WebVTT cue text: & < > become &amp; &lt; &gt;.
std::string webvtt_escape(std::string_view text);

// A WebVTT file: the "WEBVTT" line; with mpegts, the HLS header "X-TIMESTAMP-MAP=MPEGTS:<mpegts>,
// LOCAL:00:00:00.000" (RFC 8216 3.5); then each cue as an optional id line, "start --> end[ settings]"
// and its text, ended by a blank line. Cues are written in start order; a cue that does not end
// after it starts (once rounded to milliseconds) is left out, as WebVTT requires. What would break
// the file is sanitized: line breaks and "-->" in ids and settings, blank lines and "-->" in cue
// text (written "--&gt;"), NUL bytes, and invalid UTF-8 (each bad byte becomes U+FFFD).
std::string render_webvtt(const std::vector<WebVttCue>& cues, std::optional<int64_t> mpegts = std::nullopt);

// The cues that overlap [start_us, end_us), in their order, with their original times: a cue that
// spans a segment boundary belongs to both segments, as WebVTT segmenting requires. A cue of zero
// length belongs to the segment its start falls in.
std::vector<WebVttCue> cues_between(const std::vector<WebVttCue>& cues, int64_t start_us, int64_t end_us);

// The cues of one ISO/IEC 14496-30 'wvtt' sample: a sequence of boxes, each 'vttc' (a cue: 'payl'
// text, optional 'sttg' settings and 'iden' id) or 'vtte' (no cue); other boxes ('vtta' comments)
// are ignored. Times are left at 0 for the caller, who knows the sample's. An empty sample has no
// cues. InvalidInput for a malformed sample: a box size below its header or past its parent's end,
// or a 'vttc' without 'payl'. Reads only within the span, whatever the sizes say.
Result<std::vector<WebVttCue>> parse_wvtt_sample(std::span<const uint8_t> sample);
// The same, also InvalidInput ("more than <max_cues> cues") when the sample holds more cues than
// that, refused before they are stored: for a caller bounding its memory.
Result<std::vector<WebVttCue>> parse_wvtt_sample(std::span<const uint8_t> sample, size_t max_cues);

}  // namespace ve::core
