// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ve::core {

// Which manifests a presentation gets over its one set of CMAF segments.
struct OutputFormats {
  bool dash = true;  // manifest.mpd
  bool hls = true;   // master.m3u8 and one media playlist per representation
  friend bool operator==(const OutputFormats&, const OutputFormats&) = default;
};

// "dash,hls", "hls,dash", "dash" or "hls" (case-insensitive, spaces around names ignored).
// InvalidInput for an empty list, an unknown name or a repeated one.
Result<OutputFormats> parse_output_formats(std::string_view text);

// "dash,hls", "dash" or "hls".
std::string to_string(const OutputFormats& formats);

}  // namespace ve::core
