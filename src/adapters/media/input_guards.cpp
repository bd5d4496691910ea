// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/input_guards.hpp"

#include <algorithm>
#include <mutex>

#include "adapters/media/file_io.hpp"

extern "C" {
#include <libavutil/mem.h>
}

namespace ve::adapters::media {

void limit_libav_allocations() {
  static std::once_flag once;
  std::call_once(once, [] { av_max_alloc(kMaxLibavBlock); });
}

std::string too_big_for_memory(const std::filesystem::path& path) {
  return path.string() + ": its sample tables need more than " + std::to_string(kMaxLibavBlock >> 20) +
         " MiB of memory for one table (corrupt or hostile sample tables, or a track of more than about 5 million "
         "samples)";
}

core::ReadAt reader_of(int fd) {
  return [fd](uint64_t offset, std::span<uint8_t> into) {
    auto bytes = read_bytes(fd, static_cast<int64_t>(offset), static_cast<uint32_t>(into.size()));
    if (!bytes) return false;
    std::copy(bytes->begin(), bytes->end(), into.begin());
    return true;
  };
}

core::Result<std::vector<core::DeclaredTrack>> declared_tracks(const std::filesystem::path& path, int fd,
                                                               int64_t file_size) {
  const auto tracks = core::scan_declared_tracks(reader_of(fd), static_cast<uint64_t>(file_size));
  if (auto ok = core::check_declared_tracks(tracks, static_cast<uint64_t>(file_size)); !ok) {
    return core::fail(core::Error::invalid_input(path.string() + ": " + ok.error().message));
  }
  return tracks;
}

// After the demuxer applied the edit lists: an edit list may skip samples, never play one twice
// (the index would multiply and the presentation with it).
core::Status check_edits_repeat_nothing(const std::filesystem::path& path, const AVStream* st,
                                        const std::vector<core::DeclaredTrack>& declared) {
  for (const auto& d : declared) {
    if (d.track_id != static_cast<uint32_t>(st->id) || d.sample_count == 0) continue;
    const int played = avformat_index_get_entries_count(st);
    if (played > 0 && static_cast<uint64_t>(played) > d.sample_count) {
      return core::fail(core::Error::invalid_input(path.string() + ": track " + std::to_string(st->index) +
                                       ": its edit list plays " + std::to_string(played) + " samples out of " +
                                       std::to_string(d.sample_count) +
                                       " stored (samples repeated); repeating edit lists are not supported"));
    }
  }
  return {};
}

}  // namespace ve::adapters::media
