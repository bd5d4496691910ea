// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ve::core {

// RFC 3986 percent-encoding: every byte except the unreserved A-Z a-z 0-9 - . _ ~ (and '/' when
// keep_slash) becomes %XX with upper-case hex. Used for URL paths, query values and form bodies.
std::string percent_encode(std::string_view text, bool keep_slash = false);

// Decodes %XX escapes of one URI component ('+' stays '+'); nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

// Escapes & < > " ' for XML text and attribute values.
std::string xml_escape(std::string_view text);

}  // namespace ve::core
