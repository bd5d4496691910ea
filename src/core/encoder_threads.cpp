// SPDX-License-Identifier: Apache-2.0
#include "core/encoder_threads.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ve::core {

EncodeThreads encode_threads(int64_t source_pixels, const std::vector<int64_t>& rung_pixels, unsigned cores) {
  EncodeThreads plan;
  if (rung_pixels.empty()) return plan;
  const double n = std::max(1u, cores);
  std::vector<double> pixels;
  pixels.reserve(rung_pixels.size());
  for (const int64_t p : rung_pixels) pixels.push_back(static_cast<double>(std::max<int64_t>(p, 0)));
  const double all = std::accumulate(pixels.begin(), pixels.end(), 0.0);
  const auto heaviest = static_cast<size_t>(std::max_element(pixels.begin(), pixels.end()) - pixels.begin());
  const double heaviest_share = all > 0 ? pixels[heaviest] / all : 1.0;

  // The small epsilons keep exact ratios (0.5 computed as 0.5000000001) on the intended side.
  if (heaviest_share * kEncoderShare <= 1.0 / n + 1e-9) {
    plan.rungs.assign(pixels.size(), 1);
    plan.yields.assign(pixels.size(), pixels.size() > 1);
    plan.yields[heaviest] = false;
    const double decode = kDecodeCost * static_cast<double>(std::max<int64_t>(source_pixels, 0));
    plan.decoder = decode * (n - 1) <= all + 1e-9 ? 1 : 0;
  } else {
    const double budget = 1.5 * n;  // libx264's own count per encoder
    const int most = std::max(1, static_cast<int>(budget));
    for (const double p : pixels) {
      const double share = all > 0 ? p / all : 0;
      const int wanted = static_cast<int>(std::ceil(share * budget - 1e-9));
      plan.rungs.push_back(std::clamp(wanted, 1, most));
    }
    plan.yields.assign(pixels.size(), false);
  }
  if (n >= 2) {
    for (size_t i = 0; i < pixels.size(); ++i) {
      if (pixels[i] <= static_cast<double>(kSmallRungPixels)) plan.rungs[i] = std::max(plan.rungs[i], 2);
    }
  }
  return plan;
}

}  // namespace ve::core
