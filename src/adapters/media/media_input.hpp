// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include "adapters/media/av_handles.hpp"
#include "adapters/media/input_file_io.hpp"
#include "core/error.hpp"
#include "core/track.hpp"

namespace ve::adapters::media {

struct InputTrack {
  core::TrackDescription description;
  const AVStream* stream = nullptr;  // owned by the MediaInput's format context
  // The input's own sample entry (a whole box), for the init segment to carry in place of the one
  // libavformat's muxer writes; empty when the muxer's describes the stream. Only DTS in a 'dtsc',
  // 'dtsh', 'dtse', 'dtsl' or 'dtsx' entry: the muxer would relabel it 'mp4a' (core DTS).
  std::vector<uint8_t> sample_entry;
};

// One sample as stored in the input file: where its bytes are and when it plays.
struct InputSample {
  size_t track = 0;  // index into MediaInput::tracks()
  int64_t pos = 0;   // byte offset in the input file
  uint32_t size = 0;
  int64_t dts = 0;  // decode time, presentation time and duration in the stream's time base
  int64_t pts = 0;
  int64_t duration = 0;
  bool sync = false;
};

// An MP4/MOV input opened with libavformat, yielding the samples of its audio and video tracks in
// file order without keeping their data. Other tracks (subtitles, timecode, cover art) are skipped.
// Move-only; one thread at a time.
class MediaInput {
 public:
  // NotFound for a missing file; InvalidInput for an empty, unreadable, non-MP4 or corrupt file,
  // no audio/video track, or a codec the packager cannot carry ("unsupported codec X in track N
  // (supported: ...)").
  // With read_sample_data false, sample bytes are not read where the file allows it (data() is
  // then meaningless): for callers that copy the bytes from the file themselves.
  static core::Result<MediaInput> open(const std::filesystem::path& path, bool read_sample_data = true);

  const std::vector<InputTrack>& tracks() const { return tracks_; }
  // The presentation's origin: the earliest first presentation time over all tracks, or 0 when
  // none is negative (audio priming under an edit list). Every representation's media timeline is
  // its presentation timeline moved by this same amount, so HLS, which has no
  // presentationTimeOffset, plays audio, video and subtitles in sync. Until find_origin() it is a
  // lower bound from the headers: the earliest first decode or start time of any track.
  AVRational origin_time_base() const { return origin_tb_; }
  int64_t origin() const { return origin_; }
  int64_t file_size() const { return file_size_; }
  // True when the input has tracks besides the audio and video ones (subtitles, timecode, cover
  // art, data), which the packager leaves to read_text_tracks.
  bool has_other_tracks() const { return other_tracks_; }
  const std::filesystem::path& path() const { return path_; }

  // Reads ahead, at most `limit` samples (descriptors only, handed out again by next()), until every
  // track has shown its first sample, and sets origin() to their earliest presentation time. When
  // some track starts beyond the limit, origin() keeps its lower bound. Only for inputs opened
  // without read_sample_data. Errors as next().
  core::Status find_origin(size_t limit = 100000);

  // The next sample, or nullopt after the last one. InvalidInput when the media is corrupt or
  // truncated: a sample past the end of the file, fewer samples than the sample tables list,
  // timestamps going backwards.
  core::Result<std::optional<InputSample>> next();

  // The bytes of the sample last returned by next(), valid until the next call; only when opened
  // with read_sample_data.
  std::span<const uint8_t> data() const;

  // The input file, open for reading.
  int fd() const { return io_->fd(); }

 private:
  MediaInput() = default;
  core::Status check_complete() const;
  core::Result<std::optional<InputSample>> read_next();

  std::filesystem::path path_;
  int64_t file_size_ = 0;
  std::unique_ptr<InputFileIo> io_;  // outlives ctx_, which reads through it
  InputContext ctx_;
  Packet packet_;
  std::vector<InputTrack> tracks_;
  std::vector<int> track_of_stream_;  // stream index -> track index, -1 when skipped
  std::vector<int64_t> delivered_;    // samples delivered per track
  std::vector<int64_t> last_dts_;
  std::deque<InputSample> lookahead_;
  bool other_tracks_ = false;
  int64_t origin_ = 0;
  AVRational origin_tb_{1, 1};
};

}  // namespace ve::adapters::media
