// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "adapters/media/mpd_reader.hpp"
#include "core/error.hpp"

namespace ve::adapters::media {

// What one track holds: its samples counted, their durations summed (seconds) and their bytes hashed.
struct TrackDigest {
  int64_t packets = 0;
  double duration_seconds = 0;
  uint32_t crc = 0;  // CRC-32 over every packet's size and bytes, in decode order
  friend bool operator==(const TrackDigest&, const TrackDigest&) = default;
};

// Digest of each audio/video track of an input file, in track order.
core::Result<std::vector<TrackDigest>> digest_input(const std::filesystem::path& input);

// The audio and video representations an HLS master playlist reaches (variants and EXT-X-MEDIA
// renditions, each once, subtitles left out), with the files of their media playlists, in input
// track order. Only file names in the master's folder are accepted as URIs.
core::Result<std::vector<ManifestRepresentation>> read_hls_presentation(const std::filesystem::path& master);

// Digest of each representation of a presentation: its manifest (an MPD, or an HLS master
// playlist when the name ends in .m3u8) is read, and each representation's init segment and media
// segments, joined in manifest order, are demuxed by libavformat.
core::Result<std::vector<TrackDigest>> digest_presentation(const std::filesystem::path& manifest);

// Digest of one representation of a manifest (its init and media segments joined).
core::Result<TrackDigest> digest_presentation_representation(const ManifestRepresentation& rep);

// Compares both digests track by track (manifest: manifest.mpd or master.m3u8). InvalidInput
// naming the first difference.
core::Status verify_presentation(const std::filesystem::path& input, const std::filesystem::path& manifest);

}  // namespace ve::adapters::media
