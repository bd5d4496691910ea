// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace ve::core {

// RFC 5646 (BCP 47) primary language subtag for a language code as stored in media files (ISO 639-2,
// either the T or the B form, or ISO 639-1), case-insensitive. RFC 5646 requires the shortest code, so a
// language with an ISO 639-1 code becomes that code ("eng" -> "en", "fre" and "fra" -> "fr"); another
// 3-letter code is kept in lower case ("haw", "yue"). "" for "und", "mis", "mul", "zxx", a 2-letter code
// that is not ISO 639-1, or anything that is not 2 or 3 ASCII letters.
std::string bcp47_language(std::string_view iso639);

// English name of the language ("English" for "eng", "en" or "ENG"; "French" for "fre" or "fra"); "" when
// the code is not one of the ISO 639-1 languages.
std::string language_name(std::string_view iso639);

}  // namespace ve::core
