// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "core/mp4_boxes.hpp"

namespace ve::core {

// What an MP4 file's movie header says about one track's sample tables, read before the demuxer
// builds its index: libavformat allocates that index from these counts (24 bytes per sample, times
// the edit list's repeats) without asking whether the file could hold so many samples, so a few
// hundred bytes can ask for gigabytes. These figures let the packager refuse such a file first.
struct DeclaredTrack {
  uint32_t track_id = 0;              // tkhd; 0 when the track has none
  uint64_t sample_count = 0;          // stsz / stz2
  uint32_t constant_sample_size = 0;  // stsz's sample_size: every sample has it; 0 when sizes are listed
  uint64_t edit_entries = 0;          // elst entry_count
};

// Walks the boxes moov/trak/{tkhd, edts/elst, mdia/minf/stbl/{stsz, stz2}} of a file of file_size
// bytes, reading only box headers and the few fields above (bounded: at most 100,000 boxes, nested
// 8 deep). A file that is not MP4 or whose boxes are broken yields what could be read (possibly
// nothing): judging it is the demuxer's job.
std::vector<DeclaredTrack> scan_declared_tracks(const ReadAt& read, uint64_t file_size);

// The most edit-list entries a track may have. Real files have one or two; the demuxer copies the
// whole index once per entry.
inline constexpr uint64_t kMaxEditEntries = 64;

// InvalidInput, naming the track by its position from 0 (the demuxer's stream index), when the
// tracks declare more bytes of samples of a fixed size than the file holds, or an edit list longer
// than kMaxEditEntries.
Status check_declared_tracks(const std::vector<DeclaredTrack>& tracks, uint64_t file_size);

}  // namespace ve::core
