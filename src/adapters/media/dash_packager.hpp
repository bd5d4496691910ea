// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ports/packager.hpp"

namespace ve::adapters::media {

// The Packager over libavformat: samples are planned from the demuxer's metadata and their bytes
// copied file to file into fMP4 segments; init segments come from libavformat's MP4 muxer.
// Stateless: safe to use from many threads at once.
class DashPackager final : public ports::Packager {
 public:
  core::Result<ports::PackageSummary> package(const std::filesystem::path& input,
                                              const std::filesystem::path& output_dir,
                                              const ports::PackageOptions& options,
                                              const ports::ProgressFn& progress) override;
};

// Routes libavformat's log lines to spdlog at debug level (they would otherwise clutter stderr).
void route_libav_logs();

}  // namespace ve::adapters::media
