// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>

namespace ve::testing {

// The independent check of a DASH presentation folder: per representation, the init segment and
// media segments joined in manifest order hold exactly the packets of the matching input stream
// (ffmpeg's MD5 of packet data, ffprobe's packet count), and the folder holds nothing the manifest
// does not name (besides HLS playlists and WebVTT files). When the folder has master.m3u8, ffmpeg's
// HLS demuxer must also read from it exactly the input's audio and video streams. Reports failures
// through GoogleTest.
void expect_presentation_matches(const std::filesystem::path& input, const std::filesystem::path& dir);

}  // namespace ve::testing
