// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/rung_encoder.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/annexb.hpp"
#include "core/codec_string.hpp"

extern "C" {
#include <libavutil/opt.h>
}

namespace ve::adapters::media {
namespace {

std::string rung_name(const core::PlannedRendition& r) { return std::to_string(r.size.height) + "p"; }

// Replaces the Annex B parameter sets libx264 puts in its global header with the avcC record MP4
// wants (the init segment carries it as it is, and the codecs string comes from it).
core::Status use_avcc(AVCodecParameters* par) {
  auto avcc = core::avcc_from_annexb({par->extradata, static_cast<size_t>(std::max(0, par->extradata_size))});
  if (!avcc) return core::fail(avcc.error());
  auto* bytes = static_cast<uint8_t*>(av_mallocz(avcc->size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (!bytes) return core::fail(core::Error::internal("out of memory"));
  std::memcpy(bytes, avcc->data(), avcc->size());
  av_freep(&par->extradata);
  par->extradata = bytes;
  par->extradata_size = static_cast<int>(avcc->size());
  return {};
}

// Names the calling thread for `top -H` and the like ("rung 720p"); the kernel keeps 15 characters.
void name_this_thread(const core::PlannedRendition& r) {
  pthread_setname_np(pthread_self(), ("rung " + rung_name(r)).substr(0, 15).c_str());
}

// Lowers the calling thread's priority (Linux: nice is per thread) by kYieldNice, so the threads at
// the normal priority get a core first whenever they can run. Lowering needs no privilege; should
// it fail anyway, the rung runs at the normal priority, only less evenly scheduled.
void yield_to_other_threads(const std::string& rung) {
  constexpr int kYieldNice = 12;  // weight 1024 against 56 each: the heaviest rung gets ~85 % of a shared core
  const auto tid = static_cast<id_t>(gettid());
  errno = 0;
  const int now = getpriority(PRIO_PROCESS, tid);
  if (now == -1 && errno != 0) return;
  if (setpriority(PRIO_PROCESS, tid, std::min(now + kYieldNice, 19)) != 0) {
    spdlog::debug("rendition {}: could not lower its thread's priority: {}", rung, std::strerror(errno));
  }
}

// Makes the calling thread one of the rung's: its name, and its lower priority when it yields.
void join_rung(const RungSettings& s) {
  name_this_thread(s.rendition);
  if (s.yields) yield_to_other_threads(rung_name(s.rendition));
}

}  // namespace

core::Result<std::unique_ptr<RungEncoder>> RungEncoder::open(const RungSettings& s) {
  std::unique_ptr<RungEncoder> rung(new RungEncoder());
  rung->settings_ = s;
  const core::PlannedRendition& r = s.rendition;
  const std::string what = "rendition " + rung_name(r);

  // 8-bit 4:2:0 in the source's own range: a full-range source (yuvj420p, as phones record) is
  // encoded full range (libx264 flags it in the VUI) rather than converted, so a rung of the
  // source's size needs no scaler pass at all.
  auto scaler = FilterChain::video(s.input, "scale=w=" + std::to_string(r.size.width) + ":h=" +
                                                std::to_string(r.size.height) +
                                                ":flags=bicubic,setsar=1,format=pix_fmts=yuv420p|yuvj420p");
  if (!scaler) return core::fail(scaler.error());
  rung->scaler_.emplace(std::move(*scaler));

  const AVCodec* x264 = avcodec_find_encoder_by_name("libx264");
  if (!x264) return core::fail(core::Error::internal("libavcodec was built without libx264"));
  rung->encoder_.reset(avcodec_alloc_context3(x264));
  AVCodecContext* c = rung->encoder_.get();
  if (!c) return core::fail(core::Error::internal("out of memory"));
  c->width = r.size.width;
  c->height = r.size.height;
  c->pix_fmt = rung->scaler_->output_video().pixel_format;
  c->sample_aspect_ratio = AVRational{1, 1};
  c->time_base = s.input.time_base;
  if (s.input.frame_rate.num > 0 && s.input.frame_rate.den > 0) c->framerate = s.input.frame_rate;
  c->bit_rate = r.bitrate;
  c->rc_max_rate = r.maxrate;
  c->rc_buffer_size = static_cast<int>(std::min<int64_t>(r.bufsize, INT32_MAX));
  const int level = core::h264_level(r.size, {c->framerate.num, std::max(1, c->framerate.den)}, r.maxrate, r.bufsize);
  if (level > 0) c->level = level;
  c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  c->thread_count = s.threads;
  c->color_primaries = s.primaries;
  c->color_trc = s.transfer;
  c->colorspace = s.matrix;
  c->color_range = c->pix_fmt == AV_PIX_FMT_YUVJ420P ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
  AVDictionary* options = nullptr;
  av_dict_set(&options, "preset", s.x264_preset.c_str(), 0);
  av_dict_set(&options, "profile", "high", 0);
  av_dict_set(&options, "forced-idr", "1", 0);
  // libx264 starts its own threads (frame threads, lookahead) when it is opened, and a new thread
  // takes its name and priority from the one that starts it: opened from a thread named after the
  // rung and at its priority, they all carry both, as the rung's own thread does.
  int rc = 0;
  std::thread opener([&] {
    join_rung(s);
    rc = avcodec_open2(c, x264, &options);
  });
  opener.join();
  av_dict_free(&options);
  if (rc < 0) {
    return core::fail(core::Error::invalid_input(what + ": libx264 refused the settings (preset \"" + s.x264_preset +
                                                 "\"): " + av_error_text(rc)));
  }

  rung->holder_.reset(avformat_alloc_context());
  if (!rung->holder_) return core::fail(core::Error::internal("out of memory"));
  AVStream* st = avformat_new_stream(rung->holder_.get(), nullptr);
  if (!st || avcodec_parameters_from_context(st->codecpar, c) < 0) return core::fail(core::Error::internal("out of memory"));
  st->time_base = c->time_base;
  if (auto ok = use_avcc(st->codecpar); !ok) return core::fail(ok.error());
  auto codecs = core::codecs_parameter(core::Codec::H264, {st->codecpar->extradata,
                                                            static_cast<size_t>(st->codecpar->extradata_size)},
                                       {});
  if (!codecs) return core::fail(codecs.error());
  rung->codecs_ = *codecs;
  return rung;
}

RungEncoder::~RungEncoder() {
  abort();
  if (thread_.joinable()) thread_.join();
}

AVRational RungEncoder::time_base() const { return encoder_->time_base; }

void RungEncoder::start(EncodedOutput& output, size_t track) {
  thread_ = std::thread([this, &output, track] {
    join_rung(settings_);
    result_ = run(output, track);
    if (!result_) queue_.abort();  // the producer's next push fails instead of waiting
  });
}

bool RungEncoder::push(Frame frame) { return queue_.push(std::move(frame)); }

void RungEncoder::end_input() { queue_.close(); }

core::Status RungEncoder::finish() {
  end_input();
  if (thread_.joinable()) thread_.join();
  return result_;
}

void RungEncoder::abort() { queue_.abort(); }

core::Status RungEncoder::run(EncodedOutput& output, size_t track) {
  Frame scaled(av_frame_alloc());
  if (!scaled) return core::fail(core::Error::internal("out of memory"));
  const auto drain = [&]() -> core::Status {
    for (;;) {
      const int rc = scaler_->pull(scaled.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return {};
      if (rc < 0) return core::fail(core::Error::internal("scaling to " + rung_name(settings_.rendition) + ": " + av_error_text(rc)));
      auto ok = encode(scaled.get(), output, track);
      av_frame_unref(scaled.get());
      if (!ok) return ok;
    }
  };
  while (auto frame = queue_.pop()) {
    if (auto ok = scaler_->push(frame->get()); !ok) return ok;
    if (auto ok = drain(); !ok) return ok;
  }
  if (queue_.aborted()) return core::fail(core::Error::transient("encoding " + rung_name(settings_.rendition) + " was stopped"));
  if (auto ok = scaler_->end(); !ok) return ok;
  if (auto ok = drain(); !ok) return ok;
  if (auto ok = encode(nullptr, output, track); !ok) return ok;
  return output.end_track(track);
}

core::Status RungEncoder::encode(AVFrame* frame, EncodedOutput& output, size_t track) {
  if (frame) {
    if (frame->pict_type == AV_PICTURE_TYPE_I) forced_.insert(frame->pts);
    frame->key_frame = 0;
    // libx264's packets carry no duration; the frame's own (or one frame period) goes with them,
    // so the last frame of a segment lasts as long as it did in the source.
    const AVRational rate = settings_.input.frame_rate;
    const int64_t period = rate.num > 0 ? av_rescale_q(1, av_inv_q(rate), encoder_->time_base) : 0;
    durations_[frame->pts] = frame->pkt_duration > 0 ? frame->pkt_duration : period;
  }
  int rc = avcodec_send_frame(encoder_.get(), frame);
  if (rc < 0) {
    return core::fail(core::Error::internal("libx264 (" + rung_name(settings_.rendition) + "): " + av_error_text(rc)));
  }
  Packet packet(av_packet_alloc());
  if (!packet) return core::fail(core::Error::internal("out of memory"));
  for (;;) {
    rc = avcodec_receive_packet(encoder_.get(), packet.get());
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return {};
    if (rc < 0) {
      return core::fail(core::Error::internal("libx264 (" + rung_name(settings_.rendition) + "): " + av_error_text(rc)));
    }
    const bool begins = forced_.erase(packet->pts) > 0;
    if (auto d = durations_.find(packet->pts); d != durations_.end()) {
      if (packet->duration <= 0) packet->duration = d->second;
      durations_.erase(d);
    }
    auto bytes = core::annexb_to_length_prefixed({packet->data, static_cast<size_t>(packet->size)});
    auto ok = output.deliver(track, packet->pts, packet->dts, packet->duration,
                             (packet->flags & AV_PKT_FLAG_KEY) != 0, std::move(bytes), begins);
    av_packet_unref(packet.get());
    if (!ok) return ok;
  }
}

}  // namespace ve::adapters::media
