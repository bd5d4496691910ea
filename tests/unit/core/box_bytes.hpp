// SPDX-License-Identifier: Apache-2.0
// Byte-level builders of ISO BMFF boxes for the unit tests of the box walkers.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace ve::core::box_bytes {

using Bytes = std::vector<uint8_t>;

// Bytes are appended by resizing first and then writing in place: GCC 12 at -O3 misreads the
// growth path of push_back/insert on small vectors as out-of-bounds (-Wstringop-overflow and
// -Wstringop-overread false positives) once these helpers are inlined.
inline void append(Bytes& b, const uint8_t* data, size_t n) {
  const size_t at = b.size();
  b.resize(at + n);
  std::copy_n(data, n, b.data() + at);
}
inline void append(Bytes& b, const Bytes& more) { append(b, more.data(), more.size()); }
inline void append_type(Bytes& b, const char* type) { append(b, reinterpret_cast<const uint8_t*>(type), 4); }

inline void put32(Bytes& b, uint64_t v) {
  const uint8_t be[4] = {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
                         static_cast<uint8_t>(v)};
  append(b, be, 4);
}
inline void put64(Bytes& b, uint64_t v) {
  put32(b, v >> 32);
  put32(b, v & 0xffffffffu);
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) append(out, p);
  return out;
}

}  // namespace ve::core::box_bytes
