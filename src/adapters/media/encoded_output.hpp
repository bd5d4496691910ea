// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adapters/media/av_handles.hpp"
#include "adapters/media/media_input.hpp"
#include "adapters/media/representation_writer.hpp"
#include "core/error.hpp"
#include "core/mpd.hpp"

namespace ve::adapters::media {

// One representation of an encoded presentation: encoded packets from an encoder, or the
// source's own packets (kept).
struct OutputTrackSpec {
  std::string id;                     // representation id
  core::TrackDescription description;  // timescale is filled in from the init segment
  const AVStream* stream = nullptr;   // describes the packets for the init segment; outlives the output
  AVRational time_base{1, 1};         // of the packets delivered
  // Where the track's content starts, when it does not start with its first packet: the time of
  // its first real sample (a demuxer's start time, after an edit list's priming), or the ticks of
  // priming that lead its first packet (an encoder's delay). In time_base.
  int64_t content_start = AV_NOPTS_VALUE;
  int64_t priming = 0;
};

// Where the packets of every representation go: fMP4 segments in a folder, one
// RepresentationWriter each. Timing: nothing is written until every track has delivered its first
// packet (or ended); then the earliest start of any track's content (its first picture or real
// audio sample) becomes presentation time zero, and the earliest first packet (audio priming
// comes before the content) media time zero. Audio and video keep their relative timing, the
// presentation starts at 0 even when the input did not (MPEG-TS), and every representation's
// presentationTimeOffset is the priming's length, as RepresentationWriter gives a packaged
// source: a player meets no gap before the first picture and drops the priming, which plays
// before time zero. Until then packets wait in memory (an encoder's delay's worth). Thread-safe: each track's packets come from one thread, tracks from many.
class EncodedOutput {
 public:
  EncodedOutput(std::filesystem::path folder, double segment_seconds);

  // All tracks are added before the first deliver().
  size_t add_track(OutputTrackSpec spec);

  // A packet in presentation order of decode (as the encoder or demuxer hands them out), its bytes
  // as fMP4 stores them; `begins_segment` when the caller decides the segment boundaries.
  core::Status deliver(size_t track, int64_t pts, int64_t dts, int64_t duration, bool key, std::vector<uint8_t> bytes,
                       std::optional<bool> begins_segment);
  // The track delivers nothing more.
  core::Status end_track(size_t track);

  // After every track ended: the last segments written, the representations in the order added.
  // InvalidInput naming a track that had no packets.
  core::Result<std::vector<core::PackagedTrack>> finish();

  uint64_t bytes_written() const;
  // Media time zero and presentation time zero in the input's time, microseconds (valid after
  // finish()); media time zero comes first, by the priming.
  int64_t media_zero_us() const { return media_zero_us_; }
  int64_t presentation_zero_us() const { return presentation_zero_us_; }

 private:
  struct Buffered {
    InputSample sample;
    std::vector<uint8_t> bytes;
    std::optional<bool> begins;
  };
  struct Track {
    OutputTrackSpec spec;
    std::optional<RepresentationWriter> writer;
    AVRational writer_time_base{0, 1};
    int64_t first_pts = AV_NOPTS_VALUE;
    int64_t offset = 0;  // subtracted from every timestamp: presentation time zero in the writer's time base
    bool ended = false;
    std::vector<Buffered> waiting;
    uint64_t init_bytes = 0;
  };
  core::Status start_writers();
  core::Status write(Track& t, Buffered b);

  std::filesystem::path folder_;
  double segment_seconds_;
  mutable std::mutex mutex_;
  std::vector<Track> tracks_;
  bool started_ = false;
  int64_t media_zero_us_ = 0;
  int64_t presentation_zero_us_ = 0;
};

}  // namespace ve::adapters::media
