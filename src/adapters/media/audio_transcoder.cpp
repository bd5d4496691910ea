// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/audio_transcoder.hpp"

#include "adapters/media/decoder.hpp"
#include "core/codec_string.hpp"

extern "C" {
#include <libavutil/channel_layout.h>
}

namespace ve::adapters::media {

core::Result<std::unique_ptr<AudioTranscoder>> AudioTranscoder::open(const AVStream& input, int64_t bitrate) {
  std::unique_ptr<AudioTranscoder> t(new AudioTranscoder());
  t->input_index_ = input.index;
  auto decoder = open_decoder(input);
  if (!decoder) return core::fail(decoder.error());
  t->decoder_ = std::move(*decoder);

  const AVCodec* aac = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (!aac) return core::fail(core::Error::internal("libavcodec has no AAC encoder"));
  t->encoder_.reset(avcodec_alloc_context3(aac));
  AVCodecContext* e = t->encoder_.get();
  if (!e) return core::fail(core::Error::internal("out of memory"));
  e->sample_rate = 48000;
  e->sample_fmt = AV_SAMPLE_FMT_FLTP;
  av_channel_layout_default(&e->ch_layout, 2);
  e->bit_rate = bitrate;
  e->time_base = AVRational{1, 48000};
  e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  e->profile = FF_PROFILE_AAC_LOW;
  if (const int rc = avcodec_open2(e, aac, nullptr); rc < 0) {
    return core::fail(core::Error::invalid_input("AAC encoder refused " + std::to_string(bitrate) +
                                                 " bit/s: " + av_error_text(rc)));
  }

  t->holder_.reset(avformat_alloc_context());
  if (!t->holder_) return core::fail(core::Error::internal("out of memory"));
  AVStream* st = avformat_new_stream(t->holder_.get(), nullptr);
  if (!st || avcodec_parameters_from_context(st->codecpar, e) < 0) return core::fail(core::Error::internal("out of memory"));
  st->time_base = e->time_base;
  st->disposition = input.disposition & AV_DISPOSITION_DEFAULT;
  if (const AVDictionaryEntry* lang = av_dict_get(input.metadata, "language", nullptr, 0)) {
    av_dict_set(&st->metadata, "language", lang->value, 0);
  }
  auto codecs = core::codecs_parameter(core::Codec::Aac,
                                       {st->codecpar->extradata, static_cast<size_t>(st->codecpar->extradata_size)},
                                       core::SampleEntryFacts{48000, {}});
  if (!codecs) return core::fail(codecs.error());
  t->codecs_ = *codecs;
  t->decoded_.reset(av_frame_alloc());
  t->filtered_.reset(av_frame_alloc());
  t->packet_.reset(av_packet_alloc());
  if (!t->decoded_ || !t->filtered_ || !t->packet_) return core::fail(core::Error::internal("out of memory"));
  return t;
}

core::Status AudioTranscoder::send(const AVPacket* packet, const PacketSink& sink) {
  int rc = avcodec_send_packet(decoder_.get(), packet);
  if (rc == AVERROR_INVALIDDATA) {
    ++decode_errors_;  // a damaged frame: skipped, as players do
    return {};
  }
  if (rc < 0 && rc != AVERROR_EOF) {
    return core::fail(core::Error::invalid_input("track " + std::to_string(input_index_) +
                                                 ": cannot decode audio: " + av_error_text(rc)));
  }
  for (;;) {
    rc = avcodec_receive_frame(decoder_.get(), decoded_.get());
    if (rc == AVERROR(EAGAIN)) return {};
    if (rc == AVERROR_EOF) break;
    if (rc == AVERROR_INVALIDDATA) {
      ++decode_errors_;
      continue;
    }
    if (rc < 0) {
      return core::fail(core::Error::invalid_input("track " + std::to_string(input_index_) +
                                                   ": cannot decode audio: " + av_error_text(rc)));
    }
    ++frames_decoded_;
    decoded_->pts = decoded_->best_effort_timestamp;
    auto ok = filter_and_encode(decoded_.get(), sink);
    av_frame_unref(decoded_.get());
    if (!ok) return ok;
  }
  // The end: flush the chain and the encoder.
  if (chain_) {
    if (auto ok = chain_->end(); !ok) return ok;
    if (auto ok = filter_and_encode(nullptr, sink); !ok) return ok;
  }
  return encode(nullptr, sink);
}

core::Status AudioTranscoder::filter_and_encode(AVFrame* decoded, const PacketSink& sink) {
  if (decoded) {
    if (!chain_) {
      AudioFormat in;
      in.sample_rate = decoded->sample_rate;
      in.sample_format = static_cast<AVSampleFormat>(decoded->format);
      in.channel_layout = decoded->ch_layout;
      in.time_base = decoder_->pkt_timebase;
      auto chain = FilterChain::audio(
          in, "aresample=48000,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo",
          encoder_->frame_size);
      if (!chain) return core::fail(chain.error());
      chain_.emplace(std::move(*chain));
    }
    if (auto ok = chain_->push(decoded); !ok) return ok;
  }
  for (;;) {
    const int rc = chain_->pull(filtered_.get());
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return {};
    if (rc < 0) return core::fail(core::Error::internal("resampling audio: " + av_error_text(rc)));
    auto ok = encode(filtered_.get(), sink);
    av_frame_unref(filtered_.get());
    if (!ok) return ok;
  }
}

core::Status AudioTranscoder::encode(AVFrame* frame, const PacketSink& sink) {
  int rc = avcodec_send_frame(encoder_.get(), frame);
  if (rc < 0 && rc != AVERROR_EOF) return core::fail(core::Error::internal("AAC encoder: " + av_error_text(rc)));
  for (;;) {
    rc = avcodec_receive_packet(encoder_.get(), packet_.get());
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return {};
    if (rc < 0) return core::fail(core::Error::internal("AAC encoder: " + av_error_text(rc)));
    auto ok = sink(*packet_);
    av_packet_unref(packet_.get());
    if (!ok) return ok;
  }
}

}  // namespace ve::adapters::media
