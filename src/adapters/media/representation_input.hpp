// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>

#include "adapters/media/av_handles.hpp"
#include "adapters/media/mpd_reader.hpp"
#include "core/error.hpp"

namespace ve::adapters::media {

class ConcatenatedFiles;

// A representation's init segment and media segments read as one fragmented MP4 stream, the way
// a player appends them, opened with libavformat (packets as stored, one track). Move-only.
class RepresentationInput {
 public:
  // InvalidInput naming the representation when a file is missing or the bytes are no MP4.
  static core::Result<RepresentationInput> open(const ManifestRepresentation& rep);
  RepresentationInput(RepresentationInput&&) noexcept;
  RepresentationInput& operator=(RepresentationInput&&) noexcept;
  ~RepresentationInput();

  AVFormatContext* context() const { return ctx_.get(); }
  const AVStream& stream() const { return *ctx_->streams[0]; }

 private:
  RepresentationInput() = default;
  std::unique_ptr<ConcatenatedFiles> files_;  // outlives io_ and ctx_, which read through it
  IoContext io_;
  InputContext ctx_;
};

}  // namespace ve::adapters::media
