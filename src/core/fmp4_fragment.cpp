// SPDX-License-Identifier: Apache-2.0
#include "core/fmp4_fragment.hpp"

#include <algorithm>
#include <cassert>

namespace ve::core {
namespace {

// Big-endian writer for ISO BMFF boxes with size back-patching.
class BoxWriter {
 public:
  explicit BoxWriter(std::vector<uint8_t>& out) : out_(out) {}

  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { for (int s = 8; s >= 0; s -= 8) out_.push_back(static_cast<uint8_t>(v >> s)); }
  void u32(uint32_t v) { for (int s = 24; s >= 0; s -= 8) out_.push_back(static_cast<uint8_t>(v >> s)); }
  void u64(uint64_t v) { for (int s = 56; s >= 0; s -= 8) out_.push_back(static_cast<uint8_t>(v >> s)); }
  void fourcc(const char* c) { out_.insert(out_.end(), c, c + 4); }

  size_t begin(const char* type) {
    const size_t at = out_.size();
    u32(0);
    fourcc(type);
    return at;
  }
  size_t begin_full(const char* type, uint8_t version, uint32_t flags) {
    const size_t at = begin(type);
    u32((static_cast<uint32_t>(version) << 24) | (flags & 0xffffffu));
    return at;
  }
  void end(size_t at) { patch32(at, static_cast<uint32_t>(out_.size() - at)); }
  void patch32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) out_[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
  }
  size_t size() const { return out_.size(); }

 private:
  std::vector<uint8_t>& out_;
};

constexpr uint32_t kSyncSampleFlags = 0x02000000;     // sample_depends_on = 2 (I-frame)
constexpr uint32_t kNonSyncSampleFlags = 0x01010000;  // depends on others, is_non_sync_sample
constexpr uint32_t kTrunDataOffset = 0x001, kTrunDuration = 0x100, kTrunSize = 0x200, kTrunFlags = 0x400,
                   kTrunCompositionOffset = 0x800;
constexpr uint32_t kTfhdDefaultBaseIsMoof = 0x020000;

}  // namespace

std::vector<uint8_t> build_fragment_header(uint32_t sequence_number, uint64_t base_decode_time,
                                           std::span<const FragmentSample> samples, uint32_t track_id) {
  std::vector<uint8_t> out;
  out.reserve(128 + samples.size() * 16);
  BoxWriter w(out);

  const size_t styp = w.begin("styp");
  w.fourcc("msdh");
  w.u32(0);
  w.fourcc("msdh");
  w.fourcc("msix");
  w.end(styp);

  const size_t moof_start = w.size();
  const size_t moof = w.begin("moof");
  const size_t mfhd = w.begin_full("mfhd", 0, 0);
  w.u32(sequence_number);
  w.end(mfhd);

  const size_t traf = w.begin("traf");
  const size_t tfhd = w.begin_full("tfhd", 0, kTfhdDefaultBaseIsMoof);
  w.u32(track_id);
  w.end(tfhd);
  const size_t tfdt = w.begin_full("tfdt", 1, 0);
  w.u64(base_decode_time);
  w.end(tfdt);

  const bool has_offsets = std::any_of(samples.begin(), samples.end(),
                                       [](const FragmentSample& s) { return s.composition_offset != 0; });
  const bool negative = std::any_of(samples.begin(), samples.end(),
                                    [](const FragmentSample& s) { return s.composition_offset < 0; });
  uint32_t flags = kTrunDataOffset | kTrunDuration | kTrunSize | kTrunFlags;
  if (has_offsets) flags |= kTrunCompositionOffset;
  const size_t trun = w.begin_full("trun", negative ? 1 : 0, flags);
  w.u32(static_cast<uint32_t>(samples.size()));
  const size_t data_offset_at = w.size();
  w.u32(0);
  uint64_t payload = 0;
  for (const FragmentSample& s : samples) {
    w.u32(s.duration);
    w.u32(s.size);
    w.u32(s.sync ? kSyncSampleFlags : kNonSyncSampleFlags);
    if (has_offsets) w.u32(static_cast<uint32_t>(s.composition_offset));
    payload += s.size;
  }
  w.end(trun);
  w.end(traf);
  w.end(moof);

  const size_t moof_size = w.size() - moof_start;
  const bool large = payload + 8 > UINT32_MAX;
  const size_t mdat_header = large ? 16 : 8;
  w.patch32(data_offset_at, static_cast<uint32_t>(moof_size + mdat_header));
  if (large) {
    w.u32(1);
    w.fourcc("mdat");
    w.u64(payload + 16);
  } else {
    w.u32(static_cast<uint32_t>(payload + 8));
    w.fourcc("mdat");
  }
  return out;
}

}  // namespace ve::core
