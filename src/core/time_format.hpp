// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ve::core {

// RFC 3339 in UTC with microseconds and a fixed width, so that text order is time order:
// 2024-05-01T12:34:56.789012Z. Finer digits are truncated (floored).
std::string format_rfc3339(std::chrono::system_clock::time_point t);

// Parses an RFC 3339 date-time: 'T' or ' ' between date and time, an optional fraction of up to
// nine digits, and 'Z' or a +hh:mm / -hh:mm offset. nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace ve::core
