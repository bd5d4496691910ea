// SPDX-License-Identifier: Apache-2.0
#include "core/mp4_sample_tables.hpp"

#include <array>
#include <string>

#include "core/mp4_boxes.hpp"

namespace ve::core {
namespace {

class Walker {
 public:
  Walker(const ReadAt& read, uint64_t file_size) : boxes_(read), file_size_(file_size) {}

  std::vector<DeclaredTrack> run() {
    boxes_.for_each(0, file_size_, 0, [&](const Mp4Box& box) {
      if (box.type == "moov") {
        boxes_.for_each(box.payload, box.end, 1, [&](const Mp4Box& child) {
          if (child.type != "trak") return;
          tracks_.emplace_back();
          read_track(child, 2);
        });
      }
    });
    return std::move(tracks_);
  }

 private:
  // A full box's fields after its version and flags; false when the box is too short.
  bool read_fields(const Mp4Box& box, uint64_t skip, std::span<uint8_t> into) {
    const uint64_t at = box.payload + 4 + skip;
    return at + into.size() <= box.end && boxes_.read(at, into);
  }

  uint8_t version_of(const Mp4Box& box) {
    std::array<uint8_t, 1> v{};
    return box.payload < box.end && boxes_.read(box.payload, v) ? v[0] : 0;
  }

  void read_track(const Mp4Box& trak, int depth) {
    boxes_.for_each(trak.payload, trak.end, depth, [&](const Mp4Box& box) {
      DeclaredTrack& track = tracks_.back();
      std::array<uint8_t, 8> f{};
      if (box.type == "tkhd") {
        const uint64_t times = version_of(box) == 1 ? 16 : 8;  // creation and modification times
        if (read_fields(box, times, std::span(f).first(4))) {
          track.track_id = static_cast<uint32_t>(read_big_endian(std::span(f).first(4)));
        }
      } else if (box.type == "elst") {
        if (read_fields(box, 0, std::span(f).first(4))) track.edit_entries = read_big_endian(std::span(f).first(4));
      } else if (box.type == "stsz") {
        if (read_fields(box, 0, f)) {
          track.constant_sample_size = static_cast<uint32_t>(read_big_endian(std::span(f).first(4)));
          track.sample_count = read_big_endian(std::span(f).subspan(4, 4));
        }
      } else if (box.type == "stz2") {
        if (read_fields(box, 4, std::span(f).first(4))) {
          track.constant_sample_size = 0;
          track.sample_count = read_big_endian(std::span(f).first(4));
        }
      } else if (box.type == "edts" || box.type == "mdia" || box.type == "minf" || box.type == "stbl") {
        read_track(box, depth + 1);
      }
    });
  }

  Mp4BoxReader boxes_;
  uint64_t file_size_;
  std::vector<DeclaredTrack> tracks_;
};

// Tracks are named by their position among the movie's tracks, from 0, as the demuxer numbers them.
std::string track_name(size_t index) { return "track " + std::to_string(index); }

}  // namespace

std::vector<DeclaredTrack> scan_declared_tracks(const ReadAt& read, uint64_t file_size) {
  return Walker(read, file_size).run();
}

Status check_declared_tracks(const std::vector<DeclaredTrack>& tracks, uint64_t file_size) {
  uint64_t fixed_size_bytes = 0;
  for (size_t i = 0; i < tracks.size(); ++i) {
    const DeclaredTrack& t = tracks[i];
    if (t.edit_entries > kMaxEditEntries) {
      return fail(Error::invalid_input(track_name(i) + " has an edit list of " + std::to_string(t.edit_entries) +
                                       " entries; at most " + std::to_string(kMaxEditEntries) + " are supported"));
    }
    if (t.constant_sample_size == 0) continue;  // listed sizes: the table itself is in the file
    // Both factors are below 2^32, so the product fits; the sum saturates.
    const uint64_t bytes = t.sample_count * t.constant_sample_size;
    fixed_size_bytes = bytes > UINT64_MAX - fixed_size_bytes ? UINT64_MAX : fixed_size_bytes + bytes;
    if (fixed_size_bytes > file_size) {
      return fail(Error::invalid_input(
          track_name(i) + " declares " + std::to_string(t.sample_count) + " samples of " +
          std::to_string(t.constant_sample_size) + " bytes, more sample data than the whole file holds (" +
          std::to_string(file_size) + " bytes): corrupt sample tables"));
    }
  }
  return {};
}

}  // namespace ve::core
