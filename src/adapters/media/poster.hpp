// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>

#include "core/error.hpp"
#include "core/poster_choice.hpp"

extern "C" {
#include <libavutil/frame.h>
}

namespace ve::adapters::media {

// The luma figures of a decoded picture on the 8-bit full-range scale (limited-range input is
// expanded, 9 to 16 bits scaled down), measured on every 4th row and column so a 4K frame costs
// about half a million samples. Formats whose first component is luma (planar, semi-planar or packed
// YUV, gray) of 8 to 16 bits; any other (RGB, palette, hardware frames) measures all zero, which
// PosterPicker treats as unusable.
core::LumaStats luma_stats(const AVFrame& frame);

// Writes `frame` as a JPEG of width x height to `file`, atomically (through file + ".tmp"). The frame
// is upright (rotation already applied) and in any software pixel format and bit depth; its sample
// aspect ratio is not looked at: the caller passes the display size it wants. Colours go through
// RGB, so the source's matrix (BT.709, BT.601, BT.2020; unspecified guessed from the height as
// players do) and range are honoured and the JPEG is BT.601 full range, as JFIF defines.
// Internal on a size outside 1..16384, an unsupported frame, or when encoding or writing fails.
core::Status write_poster_jpeg(const AVFrame& frame, int width, int height, const std::filesystem::path& file);

}  // namespace ve::adapters::media
