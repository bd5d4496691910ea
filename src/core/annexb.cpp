// SPDX-License-Identifier: Apache-2.0
#include "core/annexb.hpp"

namespace ve::core {
namespace {

// [begin, end) of each NAL unit's payload.
std::vector<std::span<const uint8_t>> nal_units(std::span<const uint8_t> b) {
  std::vector<std::span<const uint8_t>> units;
  size_t i = 0;
  size_t start = SIZE_MAX;
  const auto close = [&](size_t end) {
    if (start == SIZE_MAX) return;
    while (end > start && b[end - 1] == 0) --end;
    if (end > start) units.push_back(b.subspan(start, end - start));
  };
  while (i + 3 <= b.size()) {
    if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1) {
      close(i);
      start = i + 3;
      i += 3;
    } else {
      ++i;
    }
  }
  close(b.size());
  return units;
}

void put_u32(std::vector<uint8_t>& out, size_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

void put_u16(std::vector<uint8_t>& out, size_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

}  // namespace

bool is_annexb(std::span<const uint8_t> b) {
  return (b.size() >= 3 && b[0] == 0 && b[1] == 0 && b[2] == 1) ||
         (b.size() >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 1);
}

std::vector<uint8_t> annexb_to_length_prefixed(std::span<const uint8_t> bytes) {
  std::vector<uint8_t> out;
  out.reserve(bytes.size() + 16);
  for (const auto unit : nal_units(bytes)) {
    put_u32(out, unit.size());
    out.insert(out.end(), unit.begin(), unit.end());
  }
  return out;
}

Result<std::vector<uint8_t>> avcc_from_annexb(std::span<const uint8_t> parameter_sets) {
  std::vector<std::span<const uint8_t>> sps;
  std::vector<std::span<const uint8_t>> pps;
  for (const auto unit : nal_units(parameter_sets)) {
    const int type = unit[0] & 0x1f;
    if (type == 7 && unit.size() >= 4 && unit.size() <= 0xffff) sps.push_back(unit);
    if (type == 8 && unit.size() <= 0xffff) pps.push_back(unit);
  }
  if (sps.empty() || pps.empty() || sps.size() > 31 || pps.size() > 255) {
    return fail(Error::invalid_input("H.264 parameter sets lack an SPS or a PPS"));
  }
  std::vector<uint8_t> avcc{1, sps[0][1], sps[0][2], sps[0][3], 0xff, static_cast<uint8_t>(0xe0 | sps.size())};
  for (const auto s : sps) {
    put_u16(avcc, s.size());
    avcc.insert(avcc.end(), s.begin(), s.end());
  }
  avcc.push_back(static_cast<uint8_t>(pps.size()));
  for (const auto p : pps) {
    put_u16(avcc, p.size());
    avcc.insert(avcc.end(), p.begin(), p.end());
  }
  // High profiles (100 and up) add chroma format and bit depths (ISO/IEC 14496-15 5.3.3.1.2);
  // written for 8-bit 4:2:0, the only format this encoder produces.
  if (sps[0][1] >= 100) {
    avcc.insert(avcc.end(), {0xfc | 1, 0xf8 | 0, 0xf8 | 0, 0});
  }
  return avcc;
}

}  // namespace ve::core
