// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/encoded_verifier.hpp"

#include <cmath>
#include <optional>

#include "adapters/media/decoder.hpp"
#include "adapters/media/presentation_verifier.hpp"
#include "adapters/media/representation_input.hpp"

namespace ve::adapters::media {
namespace {

core::Error mismatch(const std::string& id, const std::string& what) {
  return core::Error::internal("verification failed for representation " + id + ": " + what);
}

struct DecodedRendition {
  int64_t frames = 0;
  int64_t errors = 0;
  double duration_seconds = 0;
};

// Decodes a whole representation, counting frames and decoding errors.
core::Result<DecodedRendition> decode_all(const ManifestRepresentation& rep) {
  auto input = RepresentationInput::open(rep);
  if (!input) return core::fail(input.error());
  auto decoder = open_decoder(input->stream());
  if (!decoder) return core::fail(decoder.error());
  Packet packet(av_packet_alloc());
  Frame frame(av_frame_alloc());
  if (!packet || !frame) return core::fail(core::Error::internal("out of memory"));
  DecodedRendition out;
  int64_t first = AV_NOPTS_VALUE;
  int64_t end = AV_NOPTS_VALUE;
  const auto receive = [&]() {
    for (;;) {
      const int rc = avcodec_receive_frame(decoder->get(), frame.get());
      if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
      if (rc < 0) {
        ++out.errors;
        continue;
      }
      ++out.frames;
      if (frame->decode_error_flags != 0 || (frame->flags & AV_FRAME_FLAG_CORRUPT)) ++out.errors;
      const int64_t pts = frame->best_effort_timestamp;
      if (pts != AV_NOPTS_VALUE) {
        if (first == AV_NOPTS_VALUE || pts < first) first = pts;
        const int64_t duration = frame->pkt_duration > 0 ? frame->pkt_duration : 0;
        if (end == AV_NOPTS_VALUE || pts + duration > end) end = pts + duration;
      }
      av_frame_unref(frame.get());
    }
  };
  for (;;) {
    const int r = av_read_frame(input->context(), packet.get());
    if (r == AVERROR_EOF) break;
    if (r < 0) return core::fail(mismatch(rep.id, "cannot read its segments: " + av_error_text(r)));
    if (avcodec_send_packet(decoder->get(), packet.get()) < 0) ++out.errors;
    av_packet_unref(packet.get());
    receive();
  }
  avcodec_send_packet(decoder->get(), nullptr);
  receive();
  if (first != AV_NOPTS_VALUE) out.duration_seconds = static_cast<double>(end - first) * av_q2d(input->stream().time_base);
  return out;
}

const ports::RenditionSummary* summary_of(const std::vector<ports::RenditionSummary>& renditions,
                                          const std::string& id) {
  for (const auto& r : renditions) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

}  // namespace

core::Status verify_encoded_presentation(const std::filesystem::path& input, const std::filesystem::path& manifest,
                                         const std::vector<ports::RenditionSummary>& renditions,
                                         const DecodedSource& source) {
  const bool hls = manifest.extension() == ".m3u8";
  auto reps = hls ? read_hls_presentation(manifest) : read_manifest(manifest);
  if (!reps) return core::fail(core::Error::internal("verification: " + reps.error().message));
  if (reps->size() != renditions.size()) {
    return core::fail(core::Error::internal("verification: " + manifest.filename().string() + " lists " +
                                            std::to_string(reps->size()) + " representations, the encoder wrote " +
                                            std::to_string(renditions.size())));
  }
  // The kept representations against the input's own packets, when the input is an MP4.
  std::optional<std::vector<TrackDigest>> input_digest;
  std::optional<std::vector<double>> boundaries;  // of the first video representation, seconds
  std::string boundaries_of;
  for (const ManifestRepresentation& rep : *reps) {
    const ports::RenditionSummary* r = summary_of(renditions, rep.id);
    if (!r) return core::fail(mismatch(rep.id, "not one the encoder wrote"));
    if (r->video && !hls) {
      std::vector<double> starts;
      for (const int64_t t : rep.segment_times) {
        starts.push_back(static_cast<double>(t - rep.presentation_time_offset) / rep.timescale);
      }
      if (!boundaries) {
        boundaries = starts;
        boundaries_of = rep.id;
      } else {
        bool same = boundaries->size() == starts.size();
        for (size_t i = 0; same && i < starts.size(); ++i) same = std::fabs(starts[i] - (*boundaries)[i]) < 0.001;
        if (!same) return core::fail(mismatch(rep.id, "its segment boundaries differ from " + boundaries_of + "'s"));
      }
    }
    if (!r->encoded) {
      auto digest = digest_presentation_representation(rep);
      if (!digest) return core::fail(mismatch(rep.id, digest.error().message));
      if (!input_digest) {
        auto all = digest_input(input);
        input_digest = all ? *all : std::vector<TrackDigest>{};
      }
      bool found = input_digest->empty();  // an input the MP4 reader does not take: counted below
      for (const TrackDigest& d : *input_digest) found = found || (d.packets == digest->packets && d.crc == digest->crc);
      if (!found) return core::fail(mismatch(rep.id, "kept as it is, but its packets differ from the input's"));
      continue;
    }
    auto decoded = decode_all(rep);
    if (!decoded) return core::fail(mismatch(rep.id, decoded.error().message));
    if (decoded->errors > 0) {
      return core::fail(mismatch(rep.id, std::to_string(decoded->errors) + " decoding errors"));
    }
    if (!r->video) {
      if (decoded->frames == 0) return core::fail(mismatch(rep.id, "no audio"));
      continue;
    }
    if (std::llabs(decoded->frames - source.frames) > 1) {
      return core::fail(mismatch(rep.id, std::to_string(decoded->frames) + " frames, the source has " +
                                             std::to_string(source.frames)));
    }
    if (std::fabs(decoded->duration_seconds - source.duration_seconds) > source.frame_seconds + 0.001) {
      return core::fail(mismatch(rep.id, "lasts " + std::to_string(decoded->duration_seconds) + " s, the source " +
                                             std::to_string(source.duration_seconds) + " s"));
    }
  }
  return {};
}

}  // namespace ve::adapters::media
