// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/presentation_verifier.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <unistd.h>

#include "adapters/media/av_handles.hpp"
#include "adapters/media/file_io.hpp"
#include "adapters/media/media_input.hpp"
#include "adapters/media/mpd_reader.hpp"
#include "adapters/media/representation_input.hpp"
#include "core/hls_reader.hpp"

extern "C" {
#include <libavutil/crc.h>
}

namespace ve::adapters::media {
namespace {

// Accumulates one track's digest from packets in decode order.
class DigestBuilder {
 public:
  explicit DigestBuilder(AVRational tb) : tb_(tb) {}
  void add(int64_t dts, int64_t duration, std::span<const uint8_t> data) {
    const AVCRC* table = av_crc_get_table(AV_CRC_32_IEEE);
    const uint32_t size = static_cast<uint32_t>(data.size());
    const uint8_t size_bytes[4] = {uint8_t(size >> 24), uint8_t(size >> 16), uint8_t(size >> 8), uint8_t(size)};
    crc_ = av_crc(table, crc_, size_bytes, 4);
    crc_ = av_crc(table, crc_, data.data(), data.size());
    // The demuxer leaves some durations unset (always so for a last sample it cannot see the end
    // of); the last sample then lasts as long as the one before it.
    if (packets_++ == 0) first_dts_ = dts;
    const int64_t previous = packets_ > 1 ? dts - last_dts_ : 0;
    last_dts_ = dts;
    end_ = dts + (duration > 0 ? duration : previous);
  }
  TrackDigest result() const {
    TrackDigest d;
    d.packets = packets_;
    d.crc = crc_;
    d.duration_seconds = packets_ ? static_cast<double>(end_ - first_dts_) * tb_.num / tb_.den : 0;
    return d;
  }
  AVRational time_base() const { return tb_; }
  int64_t first_dts() const { return first_dts_; }

 private:
  AVRational tb_;
  uint32_t crc_ = 0;
  int64_t packets_ = 0;
  int64_t first_dts_ = 0;
  int64_t last_dts_ = 0;
  int64_t end_ = 0;
};

core::Result<TrackDigest> digest_representation(const ManifestRepresentation& rep) {
  auto input = RepresentationInput::open(rep);
  if (!input) return core::fail(input.error());
  AVFormatContext* ctx = input->context();
  const std::string name = "representation " + rep.id;
  DigestBuilder digest(ctx->streams[0]->time_base);
  Packet pkt(av_packet_alloc());
  for (;;) {
    const int r = av_read_frame(ctx, pkt.get());
    if (r == AVERROR_EOF) break;
    if (r < 0) return core::fail(core::Error::invalid_input(name + ": cannot read its segments: " + av_error_text(r)));
    digest.add(pkt->dts, pkt->duration, {pkt->data, static_cast<size_t>(pkt->size)});
    av_packet_unref(pkt.get());
  }
  TrackDigest result = digest.result();
  // For fragmented MP4 the demuxer sums every trun duration into the stream duration, which is
  // exact where a last packet's own duration is not reported.
  const AVStream* st = ctx->streams[0];
  // That sum counts from media time zero, so the first decode time (the presentation's common
  // shift, see RepresentationWriter) is taken off.
  if (st->duration > 0) {
    result.duration_seconds =
        static_cast<double>(st->duration - digest.first_dts()) * st->time_base.num / st->time_base.den;
  }
  return result;
}

std::string describe(const TrackDigest& d) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%lld packets, %.6f s, crc %08x", static_cast<long long>(d.packets),
                d.duration_seconds, d.crc);
  return buf;
}


core::Result<std::string> read_text(const std::filesystem::path& path) {
  auto fd = open_for_reading(path);
  if (!fd) return core::fail(fd.error());
  std::string text;
  char buf[1 << 14];
  for (;;) {
    const ssize_t got = ::read(fd->get(), buf, sizeof buf);
    if (got < 0) return core::fail(core::Error::internal("cannot read " + path.string()));
    if (got == 0) break;
    text.append(buf, static_cast<size_t>(got));
    if (text.size() > (size_t{64} << 20)) return core::fail(core::Error::invalid_input(path.string() + " is too large"));
  }
  return text;
}

// A URI of our own playlists: a file name in the presentation's folder, nothing else.
core::Result<std::filesystem::path> local_file(const std::filesystem::path& dir, const std::string& uri) {
  if (uri.empty() || uri.find('/') != std::string::npos || uri.find('\\') != std::string::npos || uri == "." ||
      uri == ".." || uri.find(':') != std::string::npos) {
    return core::fail(core::Error::invalid_input("playlist URI '" + uri + "' is not a file of the presentation"));
  }
  return dir / uri;
}

// The number at the end of a representation id ("audio12" -> 12): its input stream index.
int input_index_of(const std::string& id) {
  size_t at = id.size();
  while (at > 0 && std::isdigit(static_cast<unsigned char>(id[at - 1]))) --at;
  return at == id.size() ? -1 : std::atoi(id.c_str() + at);
}

core::Result<std::vector<TrackDigest>> digest_representations(const std::vector<ManifestRepresentation>& reps) {
  std::vector<TrackDigest> out;
  for (const ManifestRepresentation& rep : reps) {
    auto d = digest_representation(rep);
    if (!d) return core::fail(d.error());
    out.push_back(*d);
  }
  return out;
}

}  // namespace

core::Result<TrackDigest> digest_presentation_representation(const ManifestRepresentation& rep) {
  return digest_representation(rep);
}

core::Result<std::vector<TrackDigest>> digest_input(const std::filesystem::path& input) {
  auto in = MediaInput::open(input);
  if (!in) return core::fail(in.error());
  std::vector<DigestBuilder> builders;
  for (const InputTrack& t : in->tracks()) builders.emplace_back(t.stream->time_base);
  for (;;) {
    auto sample = in->next();
    if (!sample) return core::fail(sample.error());
    if (!*sample) break;
    const InputSample& s = **sample;
    builders[s.track].add(s.dts, s.duration, in->data());
  }
  std::vector<TrackDigest> out;
  for (const DigestBuilder& b : builders) out.push_back(b.result());
  return out;
}

core::Result<std::vector<ManifestRepresentation>> read_hls_presentation(const std::filesystem::path& master) {
  auto text = read_text(master);
  if (!text) return core::fail(text.error());
  auto entries = core::parse_master_playlist(*text);
  if (!entries) return core::fail(core::Error::invalid_input(master.string() + ": " + entries.error().message));
  const std::filesystem::path dir = master.parent_path();
  std::vector<ManifestRepresentation> reps;
  for (const core::HlsMasterEntry& e : *entries) {
    if (e.type == "SUBTITLES") continue;
    const std::string id = std::filesystem::path(e.uri).stem().string();
    bool seen = false;
    for (const auto& r : reps) seen = seen || r.id == id;
    if (seen) continue;
    auto path = local_file(dir, e.uri);
    if (!path) return core::fail(path.error());
    auto playlist_text = read_text(*path);
    if (!playlist_text) return core::fail(playlist_text.error());
    auto files = core::parse_media_playlist(*playlist_text);
    if (!files) return core::fail(core::Error::invalid_input(path->string() + ": " + files.error().message));
    ManifestRepresentation rep;
    rep.id = id;
    auto init = local_file(dir, files->init_uri);
    if (!init) return core::fail(init.error());
    rep.init_segment = *init;
    for (const std::string& uri : files->segment_uris) {
      auto segment = local_file(dir, uri);
      if (!segment) return core::fail(segment.error());
      rep.media_segments.push_back(*segment);
    }
    reps.push_back(std::move(rep));
  }
  if (reps.empty()) return core::fail(core::Error::invalid_input(master.string() + " names no audio or video playlist"));
  // In input order, as digest_input lists the tracks.
  std::stable_sort(reps.begin(), reps.end(), [](const auto& a, const auto& b) {
    return input_index_of(a.id) < input_index_of(b.id);
  });
  return reps;
}

core::Result<std::vector<TrackDigest>> digest_hls_presentation(const std::filesystem::path& master) {
  auto reps = read_hls_presentation(master);
  if (!reps) return core::fail(reps.error());
  return digest_representations(*reps);
}

core::Result<std::vector<TrackDigest>> digest_presentation(const std::filesystem::path& manifest) {
  if (manifest.extension() == ".m3u8") return digest_hls_presentation(manifest);
  auto reps = read_manifest(manifest);
  if (!reps) return core::fail(reps.error());
  return digest_representations(*reps);
}

core::Status verify_presentation(const std::filesystem::path& input, const std::filesystem::path& manifest) {
  auto expected = digest_input(input);
  if (!expected) return core::fail(expected.error());
  auto actual = digest_presentation(manifest);
  if (!actual) return core::fail(core::Error::internal("verification: " + actual.error().message));
  if (expected->size() != actual->size()) {
    return core::fail(core::Error::internal("verification: input has " + std::to_string(expected->size()) +
                                            " tracks, manifest " + std::to_string(actual->size())));
  }
  for (size_t i = 0; i < expected->size(); ++i) {
    const TrackDigest& e = (*expected)[i];
    const TrackDigest& a = (*actual)[i];
    // Durations may differ by rounding between timescales; a millisecond is far below one frame.
    if (e.packets != a.packets || e.crc != a.crc || std::fabs(e.duration_seconds - a.duration_seconds) > 0.001) {
      return core::fail(core::Error::internal("verification failed for track " + std::to_string(i) + ": input " +
                                              describe(e) + ", output " + describe(a)));
    }
  }
  return {};
}

}  // namespace ve::adapters::media
