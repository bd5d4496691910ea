// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/track.hpp"

namespace ve::core {

inline constexpr std::string_view kManifestName = "manifest.mpd";
inline constexpr std::string_view kHlsMasterName = "master.m3u8";
inline constexpr std::string_view kInitTemplate = "init-$RepresentationID$.mp4";
inline constexpr std::string_view kMediaTemplate = "seg-$RepresentationID$-$Number%05d$.m4s";
inline constexpr uint32_t kFirstSegmentNumber = 1;

// Folder name of an input's presentation: the file name without directory and last extension.
// InvalidInput when nothing usable remains (empty, ".", "..", or a hidden name like ".mp4").
Result<std::string> presentation_name(std::string_view input_path);

// "video0", "audio1": the kind and the input stream index; unique within a presentation.
std::string representation_id(MediaKind kind, int input_index);

// "video0.m3u8": a representation's HLS media playlist.
std::string hls_playlist_name(std::string_view representation_id);

// "text2.vtt": a text track's whole WebVTT file (DASH); its HLS segments are "seg-text2-00001.vtt".
std::string webvtt_file_name(std::string_view representation_id);
std::string webvtt_segment_name(std::string_view representation_id, uint32_t number);

// Concrete names that the templates above expand to.
std::string init_segment_name(std::string_view representation_id);
std::string media_segment_name(std::string_view representation_id, uint32_t number);

// Expands $RepresentationID$, $Number$ and $Number%0Nd$ in a SegmentTemplate attribute.
// InvalidInput for an identifier this packager does not write.
Result<std::string> expand_template(std::string_view tmpl, std::string_view representation_id, uint64_t number);

}  // namespace ve::core
