// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "adapters/media/av_handles.hpp"
#include "adapters/media/filter_chain.hpp"
#include "core/error.hpp"

namespace ve::adapters::media {

// One audio track decoded and encoded again as AAC-LC, stereo, 48 kHz (libavcodec's AAC encoder;
// libswresample through libavfilter's aresample downmixes, upmixes and resamples). Packets come out
// through a callback in the encoder's time base (1/48000) with the encoder's priming: the first
// packet starts 1024 samples before the first input sample, as AAC does. One thread at a time.
class AudioTranscoder {
 public:
  using PacketSink = std::function<core::Status(const AVPacket& packet)>;

  // InvalidInput when there is no decoder for the track's codec.
  static core::Result<std::unique_ptr<AudioTranscoder>> open(const AVStream& input, int64_t bitrate);

  // Describes the encoded stream (with the input's language) for the init segment.
  const AVStream& stream() const { return *holder_->streams[0]; }
  AVRational time_base() const { return encoder_->time_base; }
  // The encoder's priming (leading samples before the first input sample), in time_base().
  int64_t priming() const { return encoder_->initial_padding; }
  std::string codecs() const { return codecs_; }

  // A packet of the input track; nullptr at the end (flushes everything).
  core::Status send(const AVPacket* packet, const PacketSink& sink);

  int64_t decode_errors() const { return decode_errors_; }
  int64_t frames_decoded() const { return frames_decoded_; }

 private:
  AudioTranscoder() = default;
  core::Status filter_and_encode(AVFrame* decoded, const PacketSink& sink);
  core::Status encode(AVFrame* frame, const PacketSink& sink);

  int input_index_ = 0;
  CodecContext decoder_;
  std::optional<FilterChain> chain_;
  CodecContext encoder_;
  StreamHolder holder_;
  std::string codecs_;
  Frame decoded_;
  Frame filtered_;
  Packet packet_;
  int64_t decode_errors_ = 0;
  int64_t frames_decoded_ = 0;
};

}  // namespace ve::adapters::media
