// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/filter_chain.hpp"

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/pixdesc.h>
}

namespace ve::adapters::media {
namespace {

struct InOutDeleter {
  void operator()(AVFilterInOut* io) const { avfilter_inout_free(&io); }
};
using InOut = std::unique_ptr<AVFilterInOut, InOutDeleter>;

core::Error chain_error(const std::string& description, const char* what, int rc) {
  return core::Error::internal("filter chain \"" + description + "\": " + what + ": " + av_error_text(rc));
}

// Joins source, description and sink into one graph and configures it.
core::Status link(AVFilterGraph* graph, AVFilterContext* source, AVFilterContext* sink,
                  const std::string& description) {
  InOut outputs(avfilter_inout_alloc());
  InOut inputs(avfilter_inout_alloc());
  if (!outputs || !inputs) return core::fail(core::Error::internal("out of memory"));
  outputs->name = av_strdup("in");
  outputs->filter_ctx = source;
  inputs->name = av_strdup("out");
  inputs->filter_ctx = sink;
  AVFilterInOut* out_raw = outputs.release();
  AVFilterInOut* in_raw = inputs.release();
  int rc = avfilter_graph_parse_ptr(graph, description.c_str(), &in_raw, &out_raw, nullptr);
  avfilter_inout_free(&in_raw);
  avfilter_inout_free(&out_raw);
  if (rc < 0) return core::fail(chain_error(description, "cannot build", rc));
  if ((rc = avfilter_graph_config(graph, nullptr)) < 0) return core::fail(chain_error(description, "cannot configure", rc));
  return {};
}

}  // namespace

core::Result<FilterChain> FilterChain::video(const VideoFormat& in, const std::string& description) {
  FilterChain chain;
  chain.description_ = description;
  chain.graph_.reset(avfilter_graph_alloc());
  if (!chain.graph_) return core::fail(core::Error::internal("out of memory"));
  chain.graph_->nb_threads = 1;  // the callers run one chain per thread already
  const AVRational sar = in.sample_aspect_ratio.num > 0 && in.sample_aspect_ratio.den > 0 ? in.sample_aspect_ratio
                                                                                          : AVRational{1, 1};
  std::string args = "video_size=" + std::to_string(in.width) + "x" + std::to_string(in.height) +
                     ":pix_fmt=" + std::to_string(static_cast<int>(in.pixel_format)) +
                     ":time_base=" + std::to_string(in.time_base.num) + "/" + std::to_string(in.time_base.den) +
                     ":pixel_aspect=" + std::to_string(sar.num) + "/" + std::to_string(sar.den);
  if (in.frame_rate.num > 0 && in.frame_rate.den > 0) {
    args += ":frame_rate=" + std::to_string(in.frame_rate.num) + "/" + std::to_string(in.frame_rate.den);
  }
  int rc = avfilter_graph_create_filter(&chain.source_, avfilter_get_by_name("buffer"), "in", args.c_str(), nullptr,
                                        chain.graph_.get());
  if (rc < 0) return core::fail(chain_error(description, "cannot create its source", rc));
  rc = avfilter_graph_create_filter(&chain.sink_, avfilter_get_by_name("buffersink"), "out", nullptr, nullptr,
                                    chain.graph_.get());
  if (rc < 0) return core::fail(chain_error(description, "cannot create its sink", rc));
  if (auto ok = link(chain.graph_.get(), chain.source_, chain.sink_, description); !ok) return core::fail(ok.error());
  return chain;
}

core::Result<FilterChain> FilterChain::audio(const AudioFormat& in, const std::string& description, int frame_size) {
  FilterChain chain;
  chain.description_ = description;
  chain.graph_.reset(avfilter_graph_alloc());
  if (!chain.graph_) return core::fail(core::Error::internal("out of memory"));
  chain.graph_->nb_threads = 1;
  char layout[256] = {};
  AVChannelLayout known{};
  if (in.channel_layout.order == AV_CHANNEL_ORDER_UNSPEC || av_channel_layout_check(&in.channel_layout) == 0) {
    // A stream that gives only a channel count gets the usual layout for it.
    av_channel_layout_default(&known, in.channel_layout.nb_channels > 0 ? in.channel_layout.nb_channels : 2);
  } else {
    av_channel_layout_copy(&known, &in.channel_layout);
  }
  av_channel_layout_describe(&known, layout, sizeof layout);
  av_channel_layout_uninit(&known);
  const std::string args = "time_base=" + std::to_string(in.time_base.num) + "/" + std::to_string(in.time_base.den) +
                           ":sample_rate=" + std::to_string(in.sample_rate) +
                           ":sample_fmt=" + av_get_sample_fmt_name(in.sample_format) + ":channel_layout=" + layout;
  int rc = avfilter_graph_create_filter(&chain.source_, avfilter_get_by_name("abuffer"), "in", args.c_str(), nullptr,
                                        chain.graph_.get());
  if (rc < 0) return core::fail(chain_error(description, "cannot create its source", rc));
  rc = avfilter_graph_create_filter(&chain.sink_, avfilter_get_by_name("abuffersink"), "out", nullptr, nullptr,
                                    chain.graph_.get());
  if (rc < 0) return core::fail(chain_error(description, "cannot create its sink", rc));
  if (auto ok = link(chain.graph_.get(), chain.source_, chain.sink_, description); !ok) return core::fail(ok.error());
  if (frame_size > 0) av_buffersink_set_frame_size(chain.sink_, static_cast<unsigned>(frame_size));
  return chain;
}

core::Status FilterChain::push(AVFrame* frame) {
  const int rc = av_buffersrc_add_frame_flags(source_, frame, AV_BUFFERSRC_FLAG_KEEP_REF);
  if (rc < 0) return core::fail(chain_error(description_, "cannot take a frame", rc));
  return {};
}

core::Status FilterChain::end() {
  const int rc = av_buffersrc_add_frame_flags(source_, nullptr, 0);
  if (rc < 0 && rc != AVERROR_EOF) return core::fail(chain_error(description_, "cannot finish", rc));
  return {};
}

int FilterChain::pull(AVFrame* out) { return av_buffersink_get_frame(sink_, out); }

VideoFormat FilterChain::output_video() const {
  VideoFormat f;
  f.width = av_buffersink_get_w(sink_);
  f.height = av_buffersink_get_h(sink_);
  f.pixel_format = static_cast<AVPixelFormat>(av_buffersink_get_format(sink_));
  f.sample_aspect_ratio = av_buffersink_get_sample_aspect_ratio(sink_);
  f.time_base = av_buffersink_get_time_base(sink_);
  f.frame_rate = av_buffersink_get_frame_rate(sink_);
  return f;
}

AVRational FilterChain::output_time_base() const { return av_buffersink_get_time_base(sink_); }

AVRational FilterChain::output_frame_rate() const { return av_buffersink_get_frame_rate(sink_); }

}  // namespace ve::adapters::media
