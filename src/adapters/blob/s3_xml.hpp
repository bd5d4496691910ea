// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ve::adapters::blob {

// A minimal reader for S3's small, flat XML answers (errors, multipart, ListObjectsV2): the
// unescaped text of every <tag>...</tag>, in document order. Not a general XML parser: S3 never
// nests an element inside one of the same name, and text content is entity-escaped.
std::vector<std::string> xml_values(std::string_view xml, std::string_view tag);
std::optional<std::string> xml_value(std::string_view xml, std::string_view tag);


}  // namespace ve::adapters::blob
