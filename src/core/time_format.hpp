// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ve::core {

// RFC 3339 in UTC with milliseconds: 2024-05-01T12:34:56.789Z.
std::string format_rfc3339(std::chrono::system_clock::time_point t);

// Parses what format_rfc3339 writes (and whole seconds, and a +00:00 offset).
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace ve::core
