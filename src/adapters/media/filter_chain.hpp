// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "adapters/media/av_handles.hpp"
#include "core/error.hpp"

namespace ve::adapters::media {

// What a chain's source is fed: the properties of the frames that will be pushed.
struct VideoFormat {
  int width = 0;
  int height = 0;
  AVPixelFormat pixel_format = AV_PIX_FMT_NONE;
  AVRational sample_aspect_ratio{0, 1};
  AVRational time_base{1, 1};
  AVRational frame_rate{0, 1};
};

struct AudioFormat {
  int sample_rate = 0;
  AVSampleFormat sample_format = AV_SAMPLE_FMT_NONE;
  AVChannelLayout channel_layout{};  // copied; the caller keeps its own
  AVRational time_base{1, 1};
};

// One libavfilter graph with one source and one sink, described the way ffmpeg's -vf/-af are
// ("scale=1280:720,format=yuv420p"). Frames pushed in come out filtered; pull until it answers
// AVERROR(EAGAIN) (wants more input) or AVERROR_EOF (finished after end()). One thread at a time.
class FilterChain {
 public:
  static core::Result<FilterChain> video(const VideoFormat& in, const std::string& description);
  // frame_size > 0 makes the sink hand out frames of exactly that many samples (the last shorter).
  static core::Result<FilterChain> audio(const AudioFormat& in, const std::string& description, int frame_size = 0);

  // Takes a new reference to `frame`; the caller keeps its own.
  core::Status push(AVFrame* frame);
  core::Status end();
  // 0 with a frame in `out`, AVERROR(EAGAIN), AVERROR_EOF, or another AVERROR.
  int pull(AVFrame* out);

  // What comes out of a video chain (valid once it is built).
  VideoFormat output_video() const;
  AVRational output_time_base() const;
  AVRational output_frame_rate() const;

 private:
  FilterGraph graph_;
  AVFilterContext* source_ = nullptr;  // owned by graph_
  AVFilterContext* sink_ = nullptr;
  std::string description_;
};

}  // namespace ve::adapters::media
