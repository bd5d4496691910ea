// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ve::core {

// One sample of a fragment, as the track fragment run (trun) describes it.
struct FragmentSample {
  uint32_t duration = 0;
  uint32_t size = 0;
  bool sync = false;
  int32_t composition_offset = 0;  // presentation time minus decode time
};

// Bytes of a DASH media segment that precede the sample data: 'styp', 'moof' (mfhd, traf with
// tfhd default-base-is-moof, tfdt version 1 and one trun) and the 'mdat' box header. The sample
// bytes, in the order given, must follow directly. The trun uses version 1 (signed composition
// offsets) only when an offset is negative.
std::vector<uint8_t> build_fragment_header(uint32_t sequence_number, uint64_t base_decode_time,
                                           std::span<const FragmentSample> samples, uint32_t track_id = 1);

}  // namespace ve::core
