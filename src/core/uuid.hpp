// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace ve::core {

// A version 4 (random) UUID in its canonical text form, from 16 random bytes.
std::string uuid_v4(std::array<uint8_t, 16> random_bytes);

}  // namespace ve::core
