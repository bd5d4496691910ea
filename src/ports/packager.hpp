// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/ladder.hpp"
#include "core/output_formats.hpp"

namespace ve::ports {

struct PackageOptions {
  double segment_duration_seconds = 4.0;
  core::OutputFormats formats;  // manifests written over the one set of segments
  bool verify = false;  // re-read the produced presentation and compare it with the input
  // Once a stop is requested, package() gives up within a few samples: Transient "cancelled",
  // nothing written.
  std::stop_token cancel;
  // What to encode (packagers that only repackage ignore these): the video ladder, libx264's
  // preset for the encoded rungs, and the AAC bit rate of encoded audio (bits per second).
  core::RenditionsSetting renditions;
  std::string x264_preset = "veryfast";
  int64_t audio_bitrate = 128000;
  // Cores this package may keep busy (its share of the machine when several run at once); 0: all of
  // the machine's. The encoded rungs share them out (core::encoder_threads).
  unsigned cores = 0;
};

// One representation of the presentation, as the summary reports it.
struct RenditionSummary {
  std::string id;  // representation id: "video0", "video0-720p", "audio1"
  bool video = true;
  bool encoded = false;  // false: the input's packets, byte for byte
  int width = 0;
  int height = 0;
  int64_t bitrate = 0;  // measured average, bits per second
  std::string codecs;   // RFC 6381
};

struct PackageSummary {
  int tracks = 0;
  double duration_seconds = 0;
  uint64_t segments = 0;  // media segments over all representations
  uint64_t bytes = 0;     // bytes written, manifest and init segments included
  bool verified = false;
  std::vector<std::string> skipped;  // input tracks left out, each "track N: why"
  std::vector<RenditionSummary> renditions;
  int64_t frames_encoded = 0;  // video frames decoded and encoded (0 when nothing was encoded)
  // Warnings a person should see, e.g. "3 of 240 video packets could not be decoded (concealed)".
  std::vector<std::string> warnings;
};

// How far package() is, reported from the thread that runs it.
struct Progress {
  double fraction = 0;           // of the input, 0..1
  int64_t frames = 0;            // video frames encoded so far (0 when only repackaging)
  double frames_per_second = 0;  // encoded since the start of this input
};
using ProgressFn = std::function<void(const Progress& progress)>;

// Turns one input file into a presentation in output_dir: fMP4 segments with an MPEG-DASH manifest
// and/or HLS playlists over them (options.formats), subtitle tracks as WebVTT. The folder appears complete
// or not at all (an existing one is replaced only on success). Errors: NotFound for a missing input,
// InvalidInput for media that cannot be packaged, Internal for output I/O failures.
// Implementations are safe to call from several threads at once for different outputs.
class Packager {
 public:
  virtual ~Packager() = default;
  virtual core::Result<PackageSummary> package(const std::filesystem::path& input,
                                               const std::filesystem::path& output_dir,
                                               const PackageOptions& options, const ProgressFn& progress) = 0;
};

}  // namespace ve::ports
