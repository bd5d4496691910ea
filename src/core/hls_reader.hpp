// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ve::core {

// A playlist the master playlist names: a variant stream's URI, or an EXT-X-MEDIA rendition's.
struct HlsMasterEntry {
  std::string type;  // "VARIANT", or the EXT-X-MEDIA TYPE: "AUDIO", "SUBTITLES", "VIDEO"
  std::string uri;
};

// The playlists of a master playlist, in order of appearance (renditions without a URI are
// skipped). InvalidInput when it does not start with #EXTM3U, is a media playlist, or an
// EXT-X-STREAM-INF has no URI line after it.
Result<std::vector<HlsMasterEntry>> parse_master_playlist(std::string_view text);

// The files of a media playlist: EXT-X-MAP's URI (empty when absent) and each segment's URI with
// its EXTINF duration, in order. InvalidInput when it does not start with #EXTM3U, a segment has
// no EXTINF, or it lacks #EXT-X-ENDLIST (only complete, VOD playlists are read).
struct HlsMediaFiles {
  std::string init_uri;
  std::vector<std::string> segment_uris;
  std::vector<double> durations;
};
Result<HlsMediaFiles> parse_media_playlist(std::string_view text);

}  // namespace ve::core
