// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "adapters/media/av_handles.hpp"
#include "core/error.hpp"

namespace ve::adapters::media {

struct InitSegment {
  std::vector<uint8_t> bytes;  // ftyp + moov (with mvex) for a single track with track_ID 1
  AVRational time_base{0, 1};  // the media timescale the muxer chose: samples must be rescaled to it
};

// Writes the initialization segment for one input stream with libavformat's MP4 muxer, which owns
// the codec-specific sample entries (avcC, hvcC as 'hvc1', esds, dOps, dac3, dec3, av1C, ...),
// language, sample aspect ratio and rotation matrix. No edit list: timing offsets go in the MPD.
// first_sample is the stream's first sample: AC-3, E-AC-3 and TrueHD sample entries (dac3, dec3,
// dmlp) are built from a frame header, so for them the muxer gets that sample and only ftyp + moov
// are kept. A non-empty own_sample_entry (a whole sample entry box from the input) replaces the
// one the muxer wrote. InvalidInput when the muxer cannot describe the stream or the entry does
// not fit.
core::Result<InitSegment> build_init_segment(const AVStream& input, std::span<const uint8_t> first_sample,
                                             std::span<const uint8_t> own_sample_entry = {});

}  // namespace ve::adapters::media
