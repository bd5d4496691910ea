// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/init_segment.hpp"

#include <cstring>

#include "core/sample_entry.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace ve::adapters::media {
namespace {

core::Error muxer_error(const AVStream& in, const char* what, int rc) {
  return core::Error::invalid_input("track " + std::to_string(in.index) + " (" +
                                    avcodec_get_name(in.codecpar->codec_id) + "): cannot write " + what + ": " +
                                    av_error_text(rc));
}

// Owns the dynamic buffer behind an output context's pb until the bytes are taken.
struct DynamicBuffer {
  AVIOContext** pb;
  ~DynamicBuffer() {
    if (*pb) discard();
  }
  void discard() {
    uint8_t* data = nullptr;
    avio_close_dyn_buf(*pb, &data);
    av_free(data);
    *pb = nullptr;
  }
  std::vector<uint8_t> take() {
    uint8_t* data = nullptr;
    const int size = avio_close_dyn_buf(*pb, &data);
    *pb = nullptr;
    std::vector<uint8_t> bytes(data, data + (size > 0 ? size : 0));
    av_free(data);
    return bytes;
  }
};

bool needs_a_frame(AVCodecID id) {
  return id == AV_CODEC_ID_AC3 || id == AV_CODEC_ID_EAC3 || id == AV_CODEC_ID_TRUEHD;
}

// Top-level boxes up to and including 'moov'.
std::vector<uint8_t> header_boxes(const std::vector<uint8_t>& bytes) {
  size_t at = 0;
  while (at + 8 <= bytes.size()) {
    const uint32_t size = (uint32_t(bytes[at]) << 24) | (uint32_t(bytes[at + 1]) << 16) |
                          (uint32_t(bytes[at + 2]) << 8) | bytes[at + 3];
    if (size < 8 || at + size > bytes.size()) break;
    const bool moov = std::memcmp(&bytes[at + 4], "moov", 4) == 0;
    at += size;
    if (moov) return {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(at)};
  }
  return {};
}

// Hands the muxer one sample and flushes it as a fragment, so that a delayed moov gets written.
int write_one_sample(AVFormatContext* oc, std::span<const uint8_t> sample) {
  Packet pkt(av_packet_alloc());
  if (!pkt || av_new_packet(pkt.get(), static_cast<int>(sample.size())) < 0) return AVERROR(ENOMEM);
  std::memcpy(pkt->data, sample.data(), sample.size());
  pkt->pts = pkt->dts = 0;
  pkt->duration = 1;
  pkt->flags |= AV_PKT_FLAG_KEY;
  pkt->stream_index = 0;
  if (const int rc = av_write_frame(oc, pkt.get()); rc < 0) return rc;
  return av_write_frame(oc, nullptr);
}

}  // namespace

core::Result<InitSegment> build_init_segment(const AVStream& in, std::span<const uint8_t> first_sample,
                                             std::span<const uint8_t> own_sample_entry) {
  AVFormatContext* raw = nullptr;
  int rc = avformat_alloc_output_context2(&raw, nullptr, "mp4", nullptr);
  if (rc < 0) return core::fail(core::Error::internal("mp4 muxer unavailable: " + av_error_text(rc)));
  OutputContext oc(raw);
  oc->strict_std_compliance = FF_COMPLIANCE_EXPERIMENTAL;  // Opus and FLAC in MP4

  AVStream* out = avformat_new_stream(oc.get(), nullptr);
  if (!out) return core::fail(core::Error::internal("out of memory"));
  if ((rc = avcodec_parameters_copy(out->codecpar, in.codecpar)) < 0) return core::fail(muxer_error(in, "parameters", rc));
  // HEVC as 'hvc1' (parameter sets in the sample entry), which Apple and Chromium players expect.
  out->codecpar->codec_tag = in.codecpar->codec_id == AV_CODEC_ID_HEVC ? MKTAG('h', 'v', 'c', '1') : 0;
  // A stream FFmpeg has no codec for (DTS:X) still needs an audio track around its own entry.
  if (in.codecpar->codec_id == AV_CODEC_ID_NONE && !own_sample_entry.empty()) {
    out->codecpar->codec_id = AV_CODEC_ID_DTS;
  }
  out->time_base = in.time_base;
  out->disposition = in.disposition & AV_DISPOSITION_DEFAULT;
  if (const AVDictionaryEntry* lang = av_dict_get(in.metadata, "language", nullptr, 0)) {
    av_dict_set(&out->metadata, "language", lang->value, 0);
  }
  for (int i = 0; i < in.nb_side_data; ++i) {
    const AVPacketSideData& sd = in.side_data[i];
    if (sd.type != AV_PKT_DATA_DISPLAYMATRIX) continue;
    uint8_t* copy = av_stream_new_side_data(out, sd.type, sd.size);
    if (!copy) return core::fail(core::Error::internal("out of memory"));
    std::memcpy(copy, sd.data, sd.size);
  }

  if ((rc = avio_open_dyn_buf(&oc->pb)) < 0) return core::fail(core::Error::internal("out of memory"));
  DynamicBuffer buffer{&oc->pb};
  AVDictionary* options = nullptr;
  const bool with_frame = needs_a_frame(in.codecpar->codec_id);
  av_dict_set(&options, "movflags",
              with_frame ? "+empty_moov+delay_moov+default_base_moof+frag_custom+dash+skip_trailer"
                         : "+empty_moov+default_base_moof+frag_custom+dash+skip_trailer",
              0);
  av_dict_set(&options, "use_editlist", "0", 0);
  std::unique_ptr<AVDictionary, DictionaryDeleter> options_owner(options);
  rc = avformat_write_header(oc.get(), &options);
  options_owner.release();
  options_owner.reset(options);
  if (rc < 0) return core::fail(muxer_error(in, "an MP4 sample entry", rc));
  if (with_frame && (rc = write_one_sample(oc.get(), first_sample)) < 0) {
    return core::fail(muxer_error(in, "an MP4 sample entry from the first frame", rc));
  }
  avio_flush(oc->pb);

  InitSegment init;
  init.bytes = with_frame ? header_boxes(buffer.take()) : buffer.take();
  init.time_base = out->time_base;
  if (init.bytes.empty() || init.time_base.num != 1 || init.time_base.den <= 0) {
    return core::fail(core::Error::internal("track " + std::to_string(in.index) + ": muxer produced no init segment"));
  }
  if (!own_sample_entry.empty()) {
    auto replaced = core::replace_first_sample_entry(init.bytes, own_sample_entry);
    if (!replaced) {
      return core::fail(core::Error::invalid_input("track " + std::to_string(in.index) +
                                                   ": cannot carry its own sample entry: " + replaced.error().message));
    }
    init.bytes = std::move(*replaced);
  }
  return init;
}

}  // namespace ve::adapters::media
