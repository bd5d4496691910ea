// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

namespace ve::adapters::media {

struct InputContextDeleter {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
using InputContext = std::unique_ptr<AVFormatContext, InputContextDeleter>;

// Output contexts here never own a file: their pb is a dynamic buffer closed by the code that
// opened it, so only the context is freed.
struct OutputContextDeleter {
  void operator()(AVFormatContext* c) const { avformat_free_context(c); }
};
using OutputContext = std::unique_ptr<AVFormatContext, OutputContextDeleter>;

struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
using Packet = std::unique_ptr<AVPacket, PacketDeleter>;

// A custom AVIOContext: frees its internal buffer and itself.
struct IoContextDeleter {
  void operator()(AVIOContext* c) const {
    if (c) av_freep(&c->buffer);
    avio_context_free(&c);
  }
};
using IoContext = std::unique_ptr<AVIOContext, IoContextDeleter>;

struct DictionaryDeleter {
  void operator()(AVDictionary* d) const { av_dict_free(&d); }
};

struct CodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
using CodecContext = std::unique_ptr<AVCodecContext, CodecContextDeleter>;

struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
using Frame = std::unique_ptr<AVFrame, FrameDeleter>;

struct ScalerDeleter {
  void operator()(SwsContext* c) const { sws_freeContext(c); }
};
using Scaler = std::unique_ptr<SwsContext, ScalerDeleter>;

// Human text for an AVERROR code.
std::string av_error_text(int code);

}  // namespace ve::adapters::media
