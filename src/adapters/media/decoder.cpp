// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/decoder.hpp"

#include <algorithm>
#include <string>

namespace ve::adapters::media {

core::Result<CodecContext> open_decoder(const AVStream& stream, int video_threads) {
  const AVCodec* codec = avcodec_find_decoder(stream.codecpar->codec_id);
  const std::string what = "track " + std::to_string(stream.index) + " (" + avcodec_get_name(stream.codecpar->codec_id) + ")";
  if (!codec) return core::fail(core::Error::invalid_input(what + ": no decoder for this codec"));
  CodecContext c(avcodec_alloc_context3(codec));
  if (!c) return core::fail(core::Error::internal("out of memory"));
  if (avcodec_parameters_to_context(c.get(), stream.codecpar) < 0) return core::fail(core::Error::internal("out of memory"));
  c->pkt_timebase = stream.time_base;
  c->thread_count = stream.codecpar->codec_type == AVMEDIA_TYPE_VIDEO ? std::max(0, video_threads) : 1;
  if (const int rc = avcodec_open2(c.get(), codec, nullptr); rc < 0) {
    return core::fail(core::Error::invalid_input(what + ": cannot open its decoder: " + av_error_text(rc)));
  }
  return c;
}

}  // namespace ve::adapters::media
