// SPDX-License-Identifier: Apache-2.0
#include "core/disk_budget.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <limits>

namespace ve::core {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

uint64_t add(uint64_t a, uint64_t b) { return a > kMax - b ? kMax : a + b; }
uint64_t subtract(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

// `value` rounded to `decimals` (0 or 1) places; scaling by 10 keeps exact values exact.
double round_to(double value, int decimals, Rounding rounding) {
  const double scale = decimals > 0 ? 10 : 1;
  const double scaled = value * scale;
  switch (rounding) {
    case Rounding::Up: return std::ceil(scaled) / scale;
    case Rounding::Down: return std::floor(scaled) / scale;
    case Rounding::Nearest: break;
  }
  return std::round(scaled) / scale;
}

}  // namespace

uint64_t job_disk_bytes(uint64_t object_bytes) { return add(object_bytes, object_bytes); }

std::string format_bytes(uint64_t bytes, Rounding rounding) {
  static constexpr std::array<const char*, 7> kUnits = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  size_t unit = 0;
  double value = static_cast<double>(bytes);
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  int decimals = value < 100 ? 1 : 0;
  value = round_to(value, decimals, rounding);
  // Rounding may carry into the next unit (1023.96 MiB -> 1.0 GiB).
  if (value >= 1024 && unit + 1 < kUnits.size()) {
    decimals = 1;
    value = round_to(value / 1024, decimals, rounding);
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, decimals > 0 && value < 100 ? "%.1f %s" : "%.0f %s", value, kUnits[unit]);
  return text;
}

Status check_disk_budget(const DiskBudget& b) {
  const uint64_t job_bytes = job_disk_bytes(b.object_bytes);
  const uint64_t needed = add(job_bytes, b.min_free_bytes);
  const uint64_t available = subtract(b.free_bytes, b.reserved_bytes);
  if (needed <= available) return {};

  const std::string what = "not enough disk space in " + b.folder.string() + " for " + b.object + ": needs " +
                           format_bytes(needed, Rounding::Up) + " (twice the " + format_bytes(b.object_bytes) +
                           " object plus " + format_bytes(b.min_free_bytes) + " kept free), ";
  if (needed > add(b.free_bytes, b.reserved_bytes)) {
    return fail(Error::internal(what + format_bytes(b.free_bytes, Rounding::Down) +
                                " free; free space there (or lower LOCAL_STORAGE_MIN_FREE_MB) and re-drive the "
                                "message from the dead-letter queue"));
  }
  return fail(Error::transient(what + format_bytes(b.free_bytes, Rounding::Down) + " free of which " +
                               format_bytes(b.reserved_bytes, Rounding::Up) +
                               " is held by jobs running now; try again when they finish"));
}

}  // namespace ve::core
