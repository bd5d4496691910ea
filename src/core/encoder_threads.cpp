// SPDX-License-Identifier: Apache-2.0
#include "core/encoder_threads.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ve::core {

std::vector<int> encoder_threads(const std::vector<int64_t>& rung_pixels, unsigned cores) {
  const double budget = 1.5 * std::max(1u, cores);  // libx264's own count per encoder
  const int most = std::max(1, static_cast<int>(budget));
  const double all = std::accumulate(rung_pixels.begin(), rung_pixels.end(), 0.0,
                                     [](double sum, int64_t p) { return sum + static_cast<double>(std::max<int64_t>(p, 0)); });
  std::vector<int> threads;
  threads.reserve(rung_pixels.size());
  for (const int64_t pixels : rung_pixels) {
    const double share = all > 0 ? static_cast<double>(std::max<int64_t>(pixels, 0)) / all : 0;
    // The small epsilon keeps an exact whole share (2.0 computed as 2.0000000001) from rounding up.
    const int wanted = static_cast<int>(std::ceil(share * budget - 1e-9));
    threads.push_back(std::clamp(wanted, 1, most));
  }
  return threads;
}

}  // namespace ve::core
