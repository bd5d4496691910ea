// SPDX-License-Identifier: Apache-2.0
#include "core/codec_string.hpp"

#include <cstdio>

namespace ve::core {
namespace {

std::string hex2(unsigned v) {
  char buf[3];
  std::snprintf(buf, sizeof buf, "%02x", v & 0xffu);
  return buf;
}

Error short_config(const char* what) {
  return Error::invalid_input(std::string(what) + " decoder configuration is missing or truncated");
}

// ISO/IEC 14496-15 E.3: hvc1.<space><profile>.<compat, bit-reversed hex>.<tier><level>.<constraints>
Result<std::string> hevc_codecs(std::span<const uint8_t> c) {
  if (c.size() < 13 || c[0] != 1) return fail(short_config("HEVC (hvcC)"));
  const unsigned space = c[1] >> 6;
  const bool high_tier = (c[1] >> 5) & 1;
  const unsigned profile = c[1] & 0x1f;
  uint32_t compat = 0;
  for (int i = 0; i < 4; ++i) compat = (compat << 8) | c[2 + i];
  uint32_t reversed = 0;
  for (int i = 0; i < 32; ++i) reversed |= ((compat >> i) & 1u) << (31 - i);
  std::string s = "hvc1.";
  if (space > 0) s += static_cast<char>('A' + space - 1);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%x.", profile, reversed);
  s += buf;
  s += high_tier ? 'H' : 'L';
  s += std::to_string(c[12]);
  int last = 5;  // constraint bytes c[6..11]; trailing zero bytes are omitted
  while (last >= 0 && c[6 + last] == 0) --last;
  for (int i = 0; i <= last; ++i) {
    std::snprintf(buf, sizeof buf, ".%X", c[6 + i]);
    s += buf;
  }
  return s;
}

// AV1 codec ISO media file format binding, section 5: av01.P.LLT.DD
Result<std::string> av1_codecs(std::span<const uint8_t> c) {
  if (c.size() < 4 || (c[0] & 0x7f) != 1) return fail(short_config("AV1 (av1C)"));
  const unsigned profile = c[1] >> 5;
  const unsigned level = c[1] & 0x1f;
  const bool high_tier = c[2] >> 7;
  const bool high_bitdepth = (c[2] >> 6) & 1;
  const bool twelve_bit = (c[2] >> 5) & 1;
  const unsigned depth = twelve_bit ? 12 : (high_bitdepth ? 10 : 8);
  char buf[32];
  std::snprintf(buf, sizeof buf, "av01.%u.%02u%c.%02u", profile, level, high_tier ? 'H' : 'M', depth);
  return std::string(buf);
}

// ISO/IEC 14496-3 AudioSpecificConfig: 5-bit audio object type, 31 escapes to 32 + 6 bits.
Result<std::string> aac_codecs(std::span<const uint8_t> c) {
  if (c.empty()) return std::string("mp4a.40.2");  // no config: assume AAC-LC, the common case
  unsigned aot = c[0] >> 3;
  if (aot == 31) {
    if (c.size() < 2) return fail(short_config("AAC (AudioSpecificConfig)"));
    aot = 32 + (((c[0] & 0x07u) << 3) | (c[1] >> 5));
  }
  if (aot == 0) return fail(Error::invalid_input("AAC AudioSpecificConfig has object type 0"));
  return "mp4a.40." + std::to_string(aot);
}

// DASH-IF IOP and mp4ra: a DTS sample entry's 4CC is its codecs value; as 'mp4a' it is the object type.
Result<std::string> dts_codecs(std::string_view carried_entry) {
  if (carried_entry.empty()) return std::string("mp4a.a9");
  if (!is_dts_sample_entry(carried_entry)) {
    return fail(Error::invalid_input("DTS in a '" + std::string(carried_entry) + "' sample entry has no codecs value"));
  }
  return std::string(carried_entry);
}

}  // namespace

bool is_dts_sample_entry(std::string_view type) {
  return type == "dtsc" || type == "dtsh" || type == "dtse" || type == "dtsl" || type == "dtsx";
}

Result<std::string> codecs_parameter(Codec codec, std::span<const uint8_t> config, const SampleEntryFacts& entry) {
  switch (codec) {
    case Codec::H264:
      if (config.size() < 4 || config[0] != 1) return fail(short_config("H.264 (avcC)"));
      return "avc1." + hex2(config[1]) + hex2(config[2]) + hex2(config[3]);
    case Codec::Hevc: return hevc_codecs(config);
    case Codec::Av1: return av1_codecs(config);
    case Codec::Aac: return aac_codecs(config);
    case Codec::Ac3: return std::string("ac-3");
    case Codec::Eac3: return std::string("ec-3");
    case Codec::Opus: return std::string("opus");
    case Codec::Flac: return std::string("fLaC");
    case Codec::Mp3:
    case Codec::Mp2: return std::string(entry.sample_rate > 24000 ? "mp4a.6B" : "mp4a.69");
    case Codec::Dts: return dts_codecs(entry.carried_entry);
    case Codec::TrueHd: return std::string("mlpa");
    case Codec::Alac: return std::string("alac");
  }
  return fail(Error::internal("unhandled codec"));
}

}  // namespace ve::core
