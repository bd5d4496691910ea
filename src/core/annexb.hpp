// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace ve::core {

// H.264 as an encoder writes it (ITU-T H.264 Annex B: NAL units after 00 00 01 or 00 00 00 01
// start codes) and as MP4 stores it (ISO/IEC 14496-15: each NAL unit after its 4-byte big-endian
// length; parameter sets in an avcC record).

// True when the bytes begin with a start code.
bool is_annexb(std::span<const uint8_t> bytes);

// The NAL units of an Annex B stream, each with its 4-byte length in front. Bytes before the
// first start code are dropped; trailing zero bytes of a NAL unit (which belong to the next start
// code) are not part of it.
std::vector<uint8_t> annexb_to_length_prefixed(std::span<const uint8_t> bytes);

// An AVCDecoderConfigurationRecord (avcC) made from Annex B parameter sets (SPS type 7, PPS type 8,
// as libx264 puts them in its global header) of an 8-bit 4:2:0 stream. InvalidInput without an
// SPS and a PPS.
Result<std::vector<uint8_t>> avcc_from_annexb(std::span<const uint8_t> parameter_sets);

}  // namespace ve::core
