// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/dash_packager.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <optional>
#include <string_view>

#include "adapters/fs/staging_dir.hpp"
#include "adapters/media/file_io.hpp"
#include "adapters/media/init_segment.hpp"
#include "adapters/media/media_input.hpp"
#include "adapters/media/presentation_files.hpp"
#include "adapters/media/presentation_verifier.hpp"
#include "adapters/media/representation_writer.hpp"
#include "core/output_naming.hpp"

namespace ve::adapters::media {
namespace {

core::Error named(const std::filesystem::path& input, core::Error e) {
  if (e.message.find(input.string()) == std::string::npos) e.message = input.string() + ": " + e.message;
  return e;
}

void libav_log(void* avcl, int level, const char* fmt, va_list args) {
  if (level > av_log_get_level()) return;
  char line[1024];
  int prefix = 1;
  av_log_format_line2(avcl, level, fmt, args, line, sizeof line, &prefix);
  std::string_view text(line);
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (!text.empty()) spdlog::debug("libav: {}", text);
}

}  // namespace

void route_libav_logs() {
  av_log_set_level(AV_LOG_WARNING);
  av_log_set_callback(&libav_log);
}

core::Result<ports::PackageSummary> DashPackager::package(const std::filesystem::path& input,
                                                          const std::filesystem::path& output_dir,
                                                          const ports::PackageOptions& options,
                                                          const ports::ProgressFn& progress) {
  if (!(options.segment_duration_seconds > 0)) {
    return core::fail(core::Error::invalid_input("segment duration must be positive"));
  }
  auto in = MediaInput::open(input, /*read_sample_data=*/false);
  if (!in) return core::fail(named(input, in.error()));
  if (auto ok = in->find_origin(); !ok) return core::fail(named(input, ok.error()));
  auto staging = fs::StagingDir::create(output_dir);
  if (!staging) return core::fail(staging.error());

  ports::PackageSummary summary;
  // A track's init segment and writer are made at its first sample, which some sample entries need.
  std::vector<std::optional<RepresentationWriter>> writers(in->tracks().size());
  auto start_track = [&](const InputSample& first) -> core::Status {
    const size_t t = first.track;
    const InputTrack& track = in->tracks()[t];
    auto first_bytes = read_bytes(in->fd(), first.pos, first.size);
    if (!first_bytes) return core::fail(first_bytes.error());
    auto init = build_init_segment(*track.stream, *first_bytes, track.sample_entry);
    if (!init) return core::fail(init.error());
    writers[t].emplace(track.description, track.stream->time_base, init->time_base, options.segment_duration_seconds,
                       staging->path(), in->fd(), in->origin(), in->origin_time_base());
    summary.bytes += init->bytes.size();
    return write_file(staging->path() / core::init_segment_name(writers[t]->packaged().id), init->bytes);
  };

  int last_percent = -1;
  for (;;) {
    if (options.cancel.stop_requested()) {
      return core::fail(core::Error::transient("packaging " + input.string() + " was cancelled"));
    }
    auto sample = in->next();
    if (!sample) return core::fail(named(input, sample.error()));
    if (!*sample) break;
    const size_t t = (*sample)->track;
    if (!writers[t]) {
      if (auto ok = start_track(**sample); !ok) return core::fail(named(input, ok.error()));
    }
    if (auto ok = writers[t]->add(**sample); !ok) return core::fail(named(input, ok.error()));
    const int percent = static_cast<int>((*sample)->pos * 100 / std::max<int64_t>(1, in->file_size()));
    if (progress && percent > last_percent) {
      last_percent = percent;
      progress({std::min(0.99, percent / 100.0)});
    }
  }

  std::vector<core::PackagedTrack> tracks;
  for (auto& w : writers) {
    if (!w) return core::fail(core::Error::invalid_input(input.string() + ": a track has no samples"));
    if (auto ok = w->finish(); !ok) return core::fail(named(input, ok.error()));
    tracks.push_back(w->packaged());
    summary.bytes += w->bytes_written();
    summary.segments += w->packaged().segments.size();
  }
  summary.tracks = static_cast<int>(tracks.size());
  summary.duration_seconds = core::presentation_duration_seconds(tracks);

  const int64_t mpegts = av_rescale_q(-in->origin(), in->origin_time_base(), AVRational{1, 90000});
  auto written = write_presentation_files(input, in->has_other_tracks(), staging->path(), tracks, {0, mpegts}, options,
                                          summary.skipped);
  if (!written) return core::fail(named(input, written.error()));
  summary.bytes += *written;

  if (options.verify) {
    for (const bool hls : {false, true}) {
      if (!(hls ? options.formats.hls : options.formats.dash)) continue;
      const auto manifest = staging->path() / (hls ? core::kHlsMasterName : core::kManifestName);
      if (auto ok = verify_presentation(input, manifest); !ok) return core::fail(named(input, ok.error()));
    }
    summary.verified = true;
  }
  if (auto ok = staging->commit(); !ok) return core::fail(ok.error());
  if (progress) progress({1.0});
  return summary;
}

}  // namespace ve::adapters::media
