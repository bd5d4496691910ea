// SPDX-License-Identifier: Apache-2.0
#include "core/sample_entry.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

namespace ve::core {
namespace {

// The path from a trak to its sample descriptions.
constexpr std::array<const char*, 4> kTrakToStsd = {"mdia", "minf", "stbl", "stsd"};

// The first child of parent with this type; nullopt when there is none or the walk broke before it.
std::optional<Mp4Box> first_child(Mp4BoxReader& boxes, const Mp4Box& parent, std::string_view type, int depth) {
  std::optional<Mp4Box> found;
  boxes.for_each(parent.payload, parent.end, depth, [&](const Mp4Box& b) {
    if (!found && b.type == type) found = b;
  });
  return found;
}

// The first entry box of an stsd (a full box: version and flags, entry_count, entries).
Result<Mp4Box> first_entry_of(Mp4BoxReader& boxes, const Mp4Box& stsd, int depth) {
  std::array<uint8_t, 4> count{};
  if (stsd.payload + 8 > stsd.end || !boxes.read(stsd.payload + 4, count)) {
    return fail(Error::invalid_input("its sample description box (stsd) is truncated"));
  }
  if (read_big_endian(count) == 0) return fail(Error::invalid_input("its sample description box (stsd) has no entry"));
  std::optional<Mp4Box> entry;
  boxes.for_each(stsd.payload + 8, stsd.end, depth, [&](const Mp4Box& b) {
    if (!entry) entry = b;
  });
  if (!entry) return fail(Error::invalid_input("its sample description box (stsd) holds no whole entry"));
  if (entry->end - entry->begin > kMaxSampleEntryBytes) {
    return fail(Error::invalid_input("its sample entry '" + entry->type + "' is larger than " +
                                     std::to_string(kMaxSampleEntryBytes) + " bytes"));
  }
  return *entry;
}

// The boxes from trak down to stsd; a missing one is named.
Result<std::vector<Mp4Box>> trak_to_stsd(Mp4BoxReader& boxes, const Mp4Box& trak, int depth) {
  std::vector<Mp4Box> chain{trak};
  for (const char* type : kTrakToStsd) {
    auto next = first_child(boxes, chain.back(), type, ++depth);
    if (!next) return fail(Error::invalid_input("no readable '" + std::string(type) + "' box in its trak"));
    chain.push_back(*next);
  }
  return chain;
}

uint32_t track_id_of(Mp4BoxReader& boxes, const Mp4Box& trak, int depth) {
  auto tkhd = first_child(boxes, trak, "tkhd", depth);
  if (!tkhd) return 0;
  std::array<uint8_t, 1> version{};
  if (tkhd->payload >= tkhd->end || !boxes.read(tkhd->payload, version)) return 0;
  const uint64_t at = tkhd->payload + 4 + (version[0] == 1 ? 16 : 8);  // after creation and modification times
  std::array<uint8_t, 4> id{};
  return at + 4 <= tkhd->end && boxes.read(at, id) ? static_cast<uint32_t>(read_big_endian(id)) : 0;
}

// A ReadAt over bytes in memory.
ReadAt memory_reader(std::span<const uint8_t> bytes) {
  return [bytes](uint64_t offset, std::span<uint8_t> into) {
    if (offset > bytes.size() || into.size() > bytes.size() - offset) return false;
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(offset), into.size(), into.begin());
    return true;
  };
}

void put_big_endian(std::vector<uint8_t>& out, uint64_t at, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, value >>= 8) out[at + static_cast<uint64_t>(i)] = static_cast<uint8_t>(value);
}

// Grows or shrinks the box starting at out[at] by delta bytes, in the size field it has.
Status resize_box(std::vector<uint8_t>& out, const Mp4Box& box, int64_t delta) {
  const uint64_t size32 = read_big_endian(std::span(out).subspan(box.begin, 4));
  if (size32 == 0) return {};  // runs to the end of its parent, as it still does
  const bool large = size32 == 1;
  const uint64_t old_size = box.end - box.begin;
  const uint64_t new_size = old_size + static_cast<uint64_t>(delta);
  if (!large && new_size > UINT32_MAX) {
    return fail(Error::invalid_input("the '" + box.type + "' box would outgrow its 32-bit size"));
  }
  put_big_endian(out, large ? box.begin + 8 : box.begin, new_size, large ? 8 : 4);
  return {};
}

}  // namespace

std::string sample_entry_type(std::span<const uint8_t> entry) {
  if (entry.size() < 8) return {};
  return std::string(reinterpret_cast<const char*>(entry.data() + 4), 4);
}

Result<std::vector<uint8_t>> read_first_sample_entry(const ReadAt& read, uint64_t file_size, uint32_t track_id) {
  Mp4BoxReader boxes(read);
  const std::string track = "track with ID " + std::to_string(track_id);
  std::optional<Mp4Box> trak;
  boxes.for_each(0, file_size, 0, [&](const Mp4Box& top) {
    if (trak || top.type != "moov") return;
    boxes.for_each(top.payload, top.end, 1, [&](const Mp4Box& b) {
      if (!trak && b.type == "trak" && track_id_of(boxes, b, 2) == track_id) trak = b;
    });
  });
  if (!trak) return fail(Error::invalid_input("no " + track + " in the movie header (moov)"));
  auto chain = trak_to_stsd(boxes, *trak, 1);
  if (!chain) return fail(Error::invalid_input(track + ": " + chain.error().message));
  auto entry = first_entry_of(boxes, chain->back(), static_cast<int>(chain->size()) + 1);
  if (!entry) return fail(Error::invalid_input(track + ": " + entry.error().message));
  std::vector<uint8_t> bytes(entry->end - entry->begin);
  if (!read(entry->begin, bytes)) return fail(Error::invalid_input(track + ": its sample entry cannot be read"));
  return bytes;
}

Result<std::vector<uint8_t>> replace_first_sample_entry(std::span<const uint8_t> init, std::span<const uint8_t> entry) {
  const ReadAt read_entry = memory_reader(entry);
  Mp4BoxReader entry_boxes(read_entry);
  int entry_count = 0;
  const bool whole = entry_boxes.for_each(0, entry.size(), 0, [&](const Mp4Box&) { ++entry_count; });
  const bool open_ended = entry.size() >= 4 && read_big_endian(entry.first(4)) == 0;
  if (!whole || entry_count != 1 || open_ended || entry.size() > kMaxSampleEntryBytes) {
    return fail(Error::invalid_input("the sample entry to carry is not one box of at most " +
                                     std::to_string(kMaxSampleEntryBytes) + " bytes"));
  }

  const ReadAt read_init = memory_reader(init);
  Mp4BoxReader boxes(read_init);
  std::optional<Mp4Box> moov;
  std::optional<Mp4Box> trak;
  boxes.for_each(0, init.size(), 0, [&](const Mp4Box& b) {
    if (!moov && b.type == "moov") moov = b;
  });
  if (moov) trak = first_child(boxes, *moov, "trak", 1);
  if (!trak) return fail(Error::invalid_input("the init segment has no readable moov/trak"));
  auto chain = trak_to_stsd(boxes, *trak, 1);
  if (!chain) return fail(Error::invalid_input("the init segment: " + chain.error().message));
  auto old_entry = first_entry_of(boxes, chain->back(), static_cast<int>(chain->size()) + 1);
  if (!old_entry) return fail(Error::invalid_input("the init segment: " + old_entry.error().message));

  std::vector<uint8_t> out(init.begin(), init.begin() + static_cast<std::ptrdiff_t>(old_entry->begin));
  out.insert(out.end(), entry.begin(), entry.end());
  out.insert(out.end(), init.begin() + static_cast<std::ptrdiff_t>(old_entry->end), init.end());
  // Every enclosing box starts before the entry, so it stays where it was.
  const int64_t delta = static_cast<int64_t>(entry.size()) - static_cast<int64_t>(old_entry->end - old_entry->begin);
  chain->insert(chain->begin(), *moov);
  for (const Mp4Box& box : *chain) {
    if (auto ok = resize_box(out, box, delta); !ok) return fail(ok.error());
  }
  return out;
}

}  // namespace ve::core
