// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/init_segment.hpp"

#include <cstring>

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

}  // namespace

core::Result<InitSegment> build_init_segment(const AVStream& in) {
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
  av_dict_set(&options, "movflags", "+empty_moov+default_base_moof+frag_custom+dash+skip_trailer", 0);
  std::unique_ptr<AVDictionary, DictionaryDeleter> options_owner(options);
  rc = avformat_write_header(oc.get(), &options);
  options_owner.release();
  options_owner.reset(options);
  if (rc < 0) return core::fail(muxer_error(in, "an MP4 sample entry", rc));
  avio_flush(oc->pb);

  InitSegment init;
  init.bytes = buffer.take();
  init.time_base = out->time_base;
  if (init.bytes.empty() || init.time_base.num != 1 || init.time_base.den <= 0) {
    return core::fail(core::Error::internal("track " + std::to_string(in.index) + ": muxer produced no init segment"));
  }
  return init;
}

}  // namespace ve::adapters::media
