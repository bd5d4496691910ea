// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace ve::core {

// Brightness figures of one picture's luma on the 8-bit full-range scale (0 black .. 255 white),
// whatever the source's bit depth and range.
struct LumaStats {
  double mean = 0;
  double stddev = 0;
  double edge = 0;  // mean absolute difference of horizontally neighbouring samples: cheap detail
};

// How good a poster the picture makes; 0 for an unusable one: near black (mean < 20), near white
// (mean > 240) or flat (stddev < 8). Otherwise (stddev + 2 * edge) * exposure, where exposure
// rises linearly from 0 at mean 20 to 1 at mean 60 and falls from 1 at mean 200 to 0 at mean 240,
// so a frame half way through a fade scores below the same scene fully shown.
double poster_score(const LumaStats& stats);

// Chooses the poster frame of a video while it is decoded once, in presentation order.
// For each decoded frame the caller asks wants(); when true it measures the frame and calls
// offer(); when offer() returns true it keeps that frame and drops the one kept before.
// Not thread-safe; one picker per video.
class PosterPicker {
 public:
  // duration_seconds: the expected duration, 0 (or less) when unknown. With a known duration the
  // candidates are spread evenly over 5%..80% of it (the ends are often titles, credits or
  // fades); unknown, there is one every 2 s of the first 60 s (at 1, 3, .., 59 s).
  explicit PosterPicker(double duration_seconds, int candidates = 12);

  // Whether the frame shown at `seconds` should be measured: the first frame asked about (the
  // fallback of a video with a single frame) and the first frame at or after each candidate
  // time. Candidate times the frame has passed are used up, so sparse frames are asked for once.
  bool wants(double seconds);

  // True when the frame becomes the choice: the first frame offered always does; then a frame
  // scoring above the choice; while nothing has scored above 0, a frame brighter than the choice
  // (so a dark video still gets its brightest candidate). Ties keep the earlier frame.
  bool offer(double seconds, const LumaStats& stats);

  // Every candidate time has been passed: no later frame is wanted, decoding may stop.
  bool done() const;

  bool has_choice() const { return has_choice_; }
  // The presentation time of the chosen frame; 0 without a choice.
  double chosen_seconds() const { return chosen_seconds_; }

 private:
  double candidate_seconds(int index) const;

  double duration_ = 0;
  int count_ = 0;
  int next_ = 0;  // the first candidate not yet used up
  bool asked_ = false;
  bool has_choice_ = false;
  double chosen_seconds_ = 0;
  double chosen_score_ = 0;
  double chosen_mean_ = 0;
};

}  // namespace ve::core
