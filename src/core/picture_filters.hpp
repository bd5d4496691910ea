// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace ve::core {

// What has to happen to a decoded picture before it is scaled for the renditions.
struct PictureFixes {
  bool deinterlace = false;
  bool tone_map = false;  // PQ or HLG, BT.2020 -> SDR BT.709
  int rotation = 0;       // clockwise degrees the source is displayed rotated by: 0, 90, 180, 270
};

// A libavfilter chain (ffmpeg -vf syntax) doing those fixes, in that order, or "null" for none:
// yadif on interlaced frames only (one frame out per frame in), zimg's zscale to linear light,
// the Hable tone curve, back to BT.709 limited-range 4:2:0, then transpose/flips so that the
// picture is upright and no rotation flag is needed.
std::string picture_filter_chain(const PictureFixes& fixes);

}  // namespace ve::core
