// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/ladder_packager.hpp"

#include <spdlog/spdlog.h>

#include <cmath>

#include "adapters/fs/staging_dir.hpp"
#include "adapters/media/dash_packager.hpp"
#include "adapters/media/encode_pipeline.hpp"
#include "adapters/media/encoded_verifier.hpp"
#include "core/output_naming.hpp"
#include "adapters/media/poster.hpp"
#include "adapters/media/presentation_files.hpp"
#include "adapters/media/source_media.hpp"

extern "C" {
#include <libavutil/mathematics.h>
}

namespace ve::adapters::media {
namespace {

core::Error named_error(const std::filesystem::path& input, core::Error e) {
  if (e.message.find(input.string()) == std::string::npos) e.message = input.string() + ": " + e.message;
  return e;
}

}  // namespace

core::Result<ports::PackageSummary> LadderPackager::package(const std::filesystem::path& input,
                                                            const std::filesystem::path& output_dir,
                                                            const ports::PackageOptions& options,
                                                            const ports::ProgressFn& progress) {
  if (options.renditions.mode == core::RenditionMode::Source) {
    return DashPackager().package(input, output_dir, options, progress);
  }
  if (!(options.segment_duration_seconds > 0)) {
    return core::fail(core::Error::invalid_input("segment duration must be positive"));
  }
  auto in = SourceMedia::open(input);
  if (!in) return core::fail(named_error(input, in.error()));

  std::vector<core::PlannedRendition> plan;
  if (in->video()) {
    // A sample aspect ratio far from any real one (a corrupt or hostile header) would ask the
    // scaler for a picture thousands of pixels wide.
    const core::SourceVideo facts = in->video_facts();
    const core::PictureSize shown = core::display_size(facts);
    if (shown.width < 2 || shown.height < 2 || shown.width > 16384 || shown.height > 16384) {
      return core::fail(core::Error::invalid_input(
          input.string() + ": track " + std::to_string(in->video()->index) + ": a " + std::to_string(facts.width) +
          "x" + std::to_string(facts.height) + " picture with sample aspect ratio " +
          std::to_string(facts.sample_aspect_ratio.num) + ":" + std::to_string(facts.sample_aspect_ratio.den) +
          " would be shown at " + std::to_string(shown.width) + "x" + std::to_string(shown.height) +
          ": corrupt headers"));
    }
    plan = core::plan_renditions(facts, options.renditions, options.segment_duration_seconds);
  }
  std::vector<bool> keep_audio;
  for (const AVStream* st : in->audio()) {
    keep_audio.push_back(core::keeps_audio(in->audio_facts(*st), options.renditions.mode));
  }

  auto staging = fs::StagingDir::create(output_dir);
  if (!staging) return core::fail(staging.error());
  auto encoded = encode_tracks(*in, plan, keep_audio, staging->path(), options, progress);
  if (!encoded) return core::fail(named_error(input, encoded.error()));

  ports::PackageSummary summary;
  summary.tracks = static_cast<int>(encoded->tracks.size());
  summary.duration_seconds = core::presentation_duration_seconds(encoded->tracks);
  for (const auto& t : encoded->tracks) {
    summary.segments += t.segments.size();
    for (const auto& s : t.segments) summary.bytes += s.bytes;
  }
  summary.renditions = encoded->renditions;
  summary.frames_encoded = encoded->frames;
  summary.warnings = encoded->warnings;

  // Cues keep the input's clock moved by the presentation's time zero; HLS's X-TIMESTAMP-MAP says
  // where that is in media time, after the audio's priming (see EncodedOutput).
  const TextTiming text_timing{-encoded->presentation_zero_us,
                               av_rescale_q(encoded->presentation_zero_us - encoded->media_zero_us,
                                            AVRational{1, 1000000}, AVRational{1, 90000})};
  auto written = write_presentation_files(input, in->has_other_streams(), staging->path(), encoded->tracks,
                                          text_timing, options, summary.skipped);
  if (!written) return core::fail(named_error(input, written.error()));
  summary.bytes += *written;

  if (encoded->poster) {
    const auto poster = staging->path() / "poster.jpg";
    if (auto ok = write_poster_jpeg(*encoded->poster, encoded->poster_size.width, encoded->poster_size.height, poster);
        !ok) {
      return core::fail(named_error(input, ok.error()));
    }
    std::error_code ec;
    summary.bytes += std::filesystem::file_size(poster, ec);
  }
  if (options.verify) {
    for (const bool hls : {false, true}) {
      if (!(hls ? options.formats.hls : options.formats.dash)) continue;
      const auto manifest = staging->path() / (hls ? core::kHlsMasterName : core::kManifestName);
      if (auto ok = verify_encoded_presentation(input, manifest, summary.renditions, encoded->source); !ok) {
        return core::fail(named_error(input, ok.error()));
      }
    }
    summary.verified = true;
  }
  if (auto ok = staging->commit(); !ok) return core::fail(ok.error());
  if (progress) progress({1.0});
  return summary;
}

}  // namespace ve::adapters::media
