// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/error.hpp"
#include "core/track.hpp"

namespace ve::core {

// RFC 6381 `codecs` value for a track, from the codec and its ISO BMFF decoder configuration
// record (avcC, hvcC, av1C payload; AudioSpecificConfig for AAC). InvalidInput when the
// configuration record is missing or too short to read.
Result<std::string> codecs_parameter(Codec codec, std::span<const uint8_t> config);

}  // namespace ve::core
