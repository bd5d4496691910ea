// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ports/packager.hpp"

namespace ve::adapters::media {

// The Packager behind `package` and `serve`: options.renditions decides.
// - source: DashPackager (the input's packets byte for byte; MP4/MOV inputs only).
// - auto / a list: any input libavformat reads is demuxed and decoded once; every planned rung
//   (core::plan_renditions) is scaled and encoded with libx264 in its own thread, audio becomes
//   AAC-LC stereo 48 kHz (or is kept under auto when it already is AAC-LC of at most two channels),
//   and the encoded packets are segmented into fMP4 by the same representation writer. All video
//   renditions share IDR frames at the segment boundaries. When auto keeps everything as it is
//   (a browser-safe MP4 whose plan has a single kept rung), this is DashPackager's repackaging.
// Also writes poster.jpg (a representative frame at the top rendition's size).
// Stateless: safe to use from many threads at once.
class LadderPackager final : public ports::Packager {
 public:
  core::Result<ports::PackageSummary> package(const std::filesystem::path& input,
                                              const std::filesystem::path& output_dir,
                                              const ports::PackageOptions& options,
                                              const ports::ProgressFn& progress) override;
};

}  // namespace ve::adapters::media
