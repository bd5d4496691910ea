// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ve::core {

// A version 4 (random) UUID in its canonical text form, from 16 random bytes.
std::string uuid_v4(std::array<uint8_t, 16> random_bytes);

// True for the canonical 8-4-4-4-12 hex form (either case).
bool is_uuid(std::string_view text);

}  // namespace ve::core
