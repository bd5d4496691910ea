// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/output_formats.hpp"

namespace ve::ports {

struct PackageOptions {
  double segment_duration_seconds = 4.0;
  core::OutputFormats formats;  // manifests written over the one set of segments
  bool verify = false;  // re-read the produced presentation and compare it with the input
  // Once a stop is requested, package() gives up within a few samples: Transient "cancelled",
  // nothing written.
  std::stop_token cancel;
};

struct PackageSummary {
  int tracks = 0;
  double duration_seconds = 0;
  uint64_t segments = 0;  // media segments over all representations
  uint64_t bytes = 0;     // bytes written, manifest and init segments included
  bool verified = false;
  std::vector<std::string> skipped;  // input tracks left out, each "track N: why"
};

// Called with the fraction done, 0..1, from the thread that runs package().
using ProgressFn = std::function<void(double fraction)>;

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
