// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/mp4_sample_tables.hpp"

extern "C" {
#include <libavformat/avformat.h>
}

namespace ve::adapters::media {

// The largest block libav may allocate. Its sample index is one block per track (24 bytes a
// sample): 128 MiB holds about 5.5 million samples, 25 hours of 60 fps video. Sample tables that
// need more fail to open instead of taking the machine's memory.
inline constexpr size_t kMaxLibavBlock = size_t{128} << 20;

// Sets kMaxLibavBlock as libav's allocation limit, once per process.
void limit_libav_allocations();

// The message for a demuxer that ran into kMaxLibavBlock (ENOMEM) while opening `path`.
std::string too_big_for_memory(const std::filesystem::path& path);

// Reads byte ranges of the file open at `fd`, for the box walkers of core.
core::ReadAt reader_of(int fd);

// The tracks' declared sample tables, read from the file open at `fd` before any demuxer sees it;
// InvalidInput when they ask libavformat for far more memory than the file could justify.
core::Result<std::vector<core::DeclaredTrack>> declared_tracks(const std::filesystem::path& path, int fd,
                                                               int64_t file_size);

// After the demuxer applied the edit lists: InvalidInput when a track's index plays more samples
// than its tables store (an edit list that repeats samples would multiply the presentation).
core::Status check_edits_repeat_nothing(const std::filesystem::path& path, const AVStream* st,
                                        const std::vector<core::DeclaredTrack>& declared);

}  // namespace ve::adapters::media
