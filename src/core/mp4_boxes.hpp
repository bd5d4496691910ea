// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace ve::core {

// Reads exactly into.size() bytes at offset; false when the file has fewer.
using ReadAt = std::function<bool(uint64_t offset, std::span<uint8_t> into)>;

// One ISO BMFF box as found by Mp4BoxReader.
struct Mp4Box {
  std::string type;
  uint64_t begin = 0;    // offset of its size field
  uint64_t payload = 0;  // offset of the first byte after the header (size, type, 64-bit size)
  uint64_t end = 0;      // offset just past the box
};

// Big-endian unsigned integer of up to 8 bytes.
inline uint64_t read_big_endian(std::span<const uint8_t> bytes) {
  uint64_t v = 0;
  for (uint8_t b : bytes) v = (v << 8) | b;
  return v;
}

// Walks boxes through a ReadAt, reading only their headers, within a budget shared by every walk
// of one reader: at most kMaxBoxes boxes in all, nested at most kMaxDepth deep. Not thread-safe.
class Mp4BoxReader {
 public:
  static constexpr int kMaxDepth = 8;
  static constexpr int kMaxBoxes = 100000;

  explicit Mp4BoxReader(const ReadAt& read) : read_(read) {}

  // Calls visit(const Mp4Box&) for each box between begin and end, in order. A size of 0 runs to
  // end. False when the walk stopped early: a box that does not fit, an unreadable header, too
  // deep, or the box budget spent; the boxes before it were visited.
  template <typename Visit>
  bool for_each(uint64_t begin, uint64_t end, int depth, Visit&& visit) {
    if (depth > kMaxDepth) return false;
    uint64_t at = begin;
    while (at + 8 <= end) {
      if (boxes_ >= kMaxBoxes) return false;
      ++boxes_;
      std::array<uint8_t, 16> header{};
      if (!read_(at, std::span(header).first(8))) return false;
      uint64_t size = read_big_endian(std::span(header).first(4));
      uint64_t header_size = 8;
      if (size == 1) {
        if (at + 16 > end || !read_(at + 8, std::span(header).subspan(8, 8))) return false;
        size = read_big_endian(std::span(header).subspan(8, 8));
        header_size = 16;
      } else if (size == 0) {
        size = end - at;
      }
      if (size < header_size || size > end - at) return false;
      visit(Mp4Box{std::string(reinterpret_cast<const char*>(header.data() + 4), 4), at, at + header_size, at + size});
      at += size;
    }
    return at == end;
  }

  // Reads exactly into.size() bytes at offset.
  bool read(uint64_t offset, std::span<uint8_t> into) const { return read_(offset, into); }

 private:
  const ReadAt& read_;
  int boxes_ = 0;
};

}  // namespace ve::core
