// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/track.hpp"

namespace ve::core {

// What an audio track's codecs value depends on besides its decoder configuration record: the
// values must name the sample entry the init segment actually carries.
struct SampleEntryFacts {
  // MPEG-1/2 audio: FFmpeg's muxer writes object type 0x6B (ISO/IEC 11172-3) above 24 kHz, the
  // MPEG-1 rates, and 0x69 (ISO/IEC 13818-3) otherwise.
  int sample_rate = 0;
  // DTS: the 4CC of the input's own sample entry when the init segment carries it ("dtsc", "dtsh",
  // "dtse", "dtsl", "dtsx"); empty when the muxer writes its own ('mp4a', object type 0xA9).
  std::string_view carried_entry;
};

// RFC 6381 `codecs` value for a track, from the codec and its ISO BMFF decoder configuration
// record (avcC, hvcC, av1C payload; AudioSpecificConfig for AAC), per mp4ra and DASH-IF IOP.
// InvalidInput when the configuration record is missing or too short to read, or a carried DTS
// sample entry is not one of DTS's.
Result<std::string> codecs_parameter(Codec codec, std::span<const uint8_t> config, const SampleEntryFacts& entry = {});

// Whether type is the 4CC of a DTS sample entry of ETSI TS 102 114 Annex E or TS 103 491
// ("dtsc", "dtsh", "dtse", "dtsl", "dtsx"), as opposed to 'mp4a' with object type 0xA9.
bool is_dts_sample_entry(std::string_view type);

}  // namespace ve::core
