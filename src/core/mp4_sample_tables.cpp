// SPDX-License-Identifier: Apache-2.0
#include "core/mp4_sample_tables.hpp"

#include <array>
#include <string>

namespace ve::core {
namespace {

constexpr int kMaxDepth = 8;
constexpr int kMaxBoxes = 100000;

uint64_t big_endian(std::span<const uint8_t> bytes) {
  uint64_t v = 0;
  for (uint8_t b : bytes) v = (v << 8) | b;
  return v;
}

struct Box {
  std::string type;
  uint64_t payload = 0;   // offset of the first byte after the header
  uint64_t end = 0;       // offset just past the box
};

class Walker {
 public:
  Walker(const ReadAt& read, uint64_t file_size) : read_(read), file_size_(file_size) {}

  std::vector<DeclaredTrack> run() {
    for_each_box(0, file_size_, 0, [&](const Box& box) {
      if (box.type == "moov") {
        for_each_box(box.payload, box.end, 1, [&](const Box& child) {
          if (child.type != "trak") return;
          tracks_.emplace_back();
          read_track(child, 2);
        });
      }
    });
    return std::move(tracks_);
  }

 private:
  template <typename Visit>
  void for_each_box(uint64_t begin, uint64_t end, int depth, Visit&& visit) {
    if (depth > kMaxDepth) return;
    uint64_t at = begin;
    while (at + 8 <= end && boxes_ < kMaxBoxes) {
      ++boxes_;
      std::array<uint8_t, 16> header{};
      if (!read_(at, std::span(header).first(8))) return;
      uint64_t size = big_endian(std::span(header).first(4));
      uint64_t header_size = 8;
      if (size == 1) {
        if (at + 16 > end || !read_(at + 8, std::span(header).subspan(8, 8))) return;
        size = big_endian(std::span(header).subspan(8, 8));
        header_size = 16;
      } else if (size == 0) {
        size = end - at;  // runs to the end of its parent
      }
      if (size < header_size || size > end - at) return;  // broken: stop at this level
      visit(Box{std::string(reinterpret_cast<const char*>(header.data() + 4), 4), at + header_size, at + size});
      at += size;
    }
  }

  // A full box's fields after its version and flags; false when the box is too short.
  bool read_fields(const Box& box, uint64_t skip, std::span<uint8_t> into) {
    const uint64_t at = box.payload + 4 + skip;
    return at + into.size() <= box.end && read_(at, into);
  }

  uint8_t version_of(const Box& box) {
    std::array<uint8_t, 1> v{};
    return box.payload < box.end && read_(box.payload, v) ? v[0] : 0;
  }

  void read_track(const Box& trak, int depth) {
    for_each_box(trak.payload, trak.end, depth, [&](const Box& box) {
      DeclaredTrack& track = tracks_.back();
      std::array<uint8_t, 8> f{};
      if (box.type == "tkhd") {
        const uint64_t times = version_of(box) == 1 ? 16 : 8;  // creation and modification times
        if (read_fields(box, times, std::span(f).first(4))) track.track_id = static_cast<uint32_t>(big_endian(std::span(f).first(4)));
      } else if (box.type == "elst") {
        if (read_fields(box, 0, std::span(f).first(4))) track.edit_entries = big_endian(std::span(f).first(4));
      } else if (box.type == "stsz") {
        if (read_fields(box, 0, f)) {
          track.constant_sample_size = static_cast<uint32_t>(big_endian(std::span(f).first(4)));
          track.sample_count = big_endian(std::span(f).subspan(4, 4));
        }
      } else if (box.type == "stz2") {
        if (read_fields(box, 4, std::span(f).first(4))) {
          track.constant_sample_size = 0;
          track.sample_count = big_endian(std::span(f).first(4));
        }
      } else if (box.type == "edts" || box.type == "mdia" || box.type == "minf" || box.type == "stbl") {
        read_track(box, depth + 1);
      }
    });
  }

  const ReadAt& read_;
  uint64_t file_size_;
  int boxes_ = 0;
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
