// SPDX-License-Identifier: Apache-2.0
#include "core/poster_choice.hpp"

#include <algorithm>

namespace ve::core {
namespace {

constexpr double kBlackMean = 20;
constexpr double kWhiteMean = 240;
constexpr double kFlatStddev = 8;
// Width of the brightness band next to each threshold over which exposure ramps to 1.
constexpr double kExposureRamp = 40;

// Unknown duration: one candidate every 2 s of the first minute, the first at 1 s.
constexpr int kUnknownDurationCandidates = 30;
constexpr double kUnknownDurationSpacing = 2;

}  // namespace

double poster_score(const LumaStats& stats) {
  if (stats.mean < kBlackMean || stats.mean > kWhiteMean || stats.stddev < kFlatStddev) return 0;
  // Without the ramp a fade would jump from 0 to nearly full marks as it crosses mean 20; with it
  // the dim frames of a fade-in lose against the scene they fade into.
  const double exposure = std::min({1.0, (stats.mean - kBlackMean) / kExposureRamp,
                                    (kWhiteMean - stats.mean) / kExposureRamp});
  // Edges are weighted double: at the same contrast, a sharp frame beats a motion-blurred one.
  return (stats.stddev + 2 * stats.edge) * exposure;
}

PosterPicker::PosterPicker(double duration_seconds, int candidates)
    : duration_(duration_seconds > 0 ? duration_seconds : 0),
      count_(duration_ > 0 ? std::max(1, candidates) : kUnknownDurationCandidates) {}

double PosterPicker::candidate_seconds(int index) const {
  if (duration_ <= 0) return kUnknownDurationSpacing / 2 + kUnknownDurationSpacing * index;
  if (count_ == 1) return duration_ * (0.05 + 0.80) / 2;
  return duration_ * (0.05 + 0.75 * index / (count_ - 1));
}

bool PosterPicker::wants(double seconds) {
  bool wanted = !asked_;
  asked_ = true;
  while (next_ < count_ && candidate_seconds(next_) <= seconds) {
    wanted = true;
    ++next_;
  }
  return wanted;
}

bool PosterPicker::offer(double seconds, const LumaStats& stats) {
  const double score = poster_score(stats);
  const bool brighter_fallback = chosen_score_ == 0 && score == 0 && stats.mean > chosen_mean_;
  const bool better = !has_choice_ || score > chosen_score_ || brighter_fallback;
  if (!better) return false;
  has_choice_ = true;
  chosen_seconds_ = seconds;
  chosen_score_ = score;
  chosen_mean_ = stats.mean;
  return true;
}

bool PosterPicker::done() const { return asked_ && next_ >= count_; }

}  // namespace ve::core
