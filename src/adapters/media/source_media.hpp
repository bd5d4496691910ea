// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "adapters/media/av_handles.hpp"
#include "core/error.hpp"
#include "core/ladder.hpp"

namespace ve::adapters::media {

// An input of any container libavformat reads (MP4/MOV, Matroska/WebM, MPEG-TS, AVI, ...), opened
// for decoding: its main video stream, its audio streams, and the facts the ladder is planned
// from. Packets are read with their data. Move-only; one thread at a time.
class SourceMedia {
 public:
  // NotFound for a missing file; InvalidInput for one libavformat cannot read, or with neither a
  // video nor an audio stream.
  static core::Result<SourceMedia> open(const std::filesystem::path& path);

  AVFormatContext* context() const { return ctx_.get(); }
  const std::filesystem::path& path() const { return path_; }
  // The main video stream (libavformat's best, cover art excluded), or nullptr.
  AVStream* video() const { return video_; }
  const std::vector<AVStream*>& audio() const { return audio_; }
  // True when there are streams besides these (subtitles, data, more video), left to
  // read_text_tracks or skipped.
  bool has_other_streams() const { return other_streams_; }
  // The video as the ladder planner needs it (meaningless without video()).
  core::SourceVideo video_facts() const;
  core::SourceAudio audio_facts(const AVStream& stream) const;
  // Seconds, 0 when unknown.
  double duration_seconds() const;

  // The next packet of a chosen stream into `packet` (its previous content is dropped); false
  // after the last. InvalidInput when the container is corrupt or truncated (an MP4/MOV whose
  // sample tables list more samples than its data holds: cut off).
  core::Result<bool> next(AVPacket* packet);

 private:
  SourceMedia() = default;
  std::filesystem::path path_;
  InputContext ctx_;
  AVStream* video_ = nullptr;
  std::vector<AVStream*> audio_;
  bool other_streams_ = false;
  std::vector<int64_t> packets_read_;  // by stream index
};

// Clockwise degrees (0, 90, 180, 270) a stream's display matrix turns its picture by.
int rotation_of(const AVStream& stream);
// PQ (SMPTE ST 2084) or HLG (ARIB STD-B67) transfer.
bool is_hdr(const AVCodecParameters& p);

}  // namespace ve::adapters::media
