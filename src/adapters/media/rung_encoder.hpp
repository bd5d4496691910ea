// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "adapters/media/bounded_queue.hpp"
#include "adapters/media/encoded_output.hpp"
#include "adapters/media/filter_chain.hpp"
#include "core/ladder.hpp"

namespace ve::adapters::media {

struct RungSettings {
  core::PlannedRendition rendition;
  std::string x264_preset;
  int threads = 0;               // libx264's; 0 lets it choose
  bool yields = false;           // the rung's thread runs at a lower priority (core::EncodeThreads)
  VideoFormat input;             // of the frames pushed (upright, any pixel format)
  AVColorPrimaries primaries = AVCOL_PRI_UNSPECIFIED;  // tags of the output
  AVColorTransferCharacteristic transfer = AVCOL_TRC_UNSPECIFIED;
  AVColorSpace matrix = AVCOL_SPC_UNSPECIFIED;
};

// One rung of the ladder in its own thread: frames pushed in are scaled to the rung's size (square
// pixels, 8-bit 4:2:0) and encoded with libx264 (High profile, average bit rate with maxrate and
// bufsize, a level that fits); the packets go to an EncodedOutput track. A frame pushed with
// pict_type AV_PICTURE_TYPE_I becomes an IDR frame and begins a segment; no other frame begins one,
// so every rung fed the same frames cuts its segments at the same times.
class RungEncoder {
 public:
  // Opens the scaler and the encoder (not the thread). InvalidInput when libx264 refuses the
  // settings (an unknown preset, say).
  static core::Result<std::unique_ptr<RungEncoder>> open(const RungSettings& settings);
  ~RungEncoder();
  RungEncoder(const RungEncoder&) = delete;
  RungEncoder& operator=(const RungEncoder&) = delete;

  // Describes the encoded stream (codec parameters with an avcC record, time base) for the init
  // segment and the manifest.
  const AVStream& stream() const { return *holder_->streams[0]; }
  AVRational time_base() const;
  std::string codecs() const { return codecs_; }

  // Starts the thread, which writes to `output`'s track `track`.
  void start(EncodedOutput& output, size_t track);
  // Hands a frame to the thread (waits while it has a few queued). False once the thread stopped
  // (an error: see finish()).
  bool push(Frame frame);
  // No more frames: the thread flushes the encoder and ends the track, without waiting for it.
  void end_input();
  // end_input(), then waits for the thread. Returns its first error.
  core::Status finish();
  // Stops at once, dropping queued frames (cancellation or another rung's failure).
  void abort();

 private:
  RungEncoder() : queue_(8) {}
  core::Status run(EncodedOutput& output, size_t track);
  core::Status encode(AVFrame* frame, EncodedOutput& output, size_t track);

  RungSettings settings_;
  std::optional<FilterChain> scaler_;
  CodecContext encoder_;
  StreamHolder holder_;
  std::string codecs_;
  std::set<int64_t> forced_;  // presentation times of frames made IDR, not yet out of the encoder
  std::map<int64_t, int64_t> durations_;  // frame durations by presentation time, until their packet
  BoundedQueue<Frame> queue_;
  std::thread thread_;
  core::Status result_;
};

}  // namespace ve::adapters::media
