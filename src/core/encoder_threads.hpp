// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <vector>

namespace ve::core {

// How one ladder encode uses the cores it may keep busy: the decoder's threads, libx264's threads
// for each encoded rung, and which rungs run at a lower priority.
struct EncodeThreads {
  int decoder = 0;            // libavcodec thread_count of the video decoder; 0 lets it choose
  std::vector<int> rungs;     // libx264 threads of each rung, in the ladder's order
  std::vector<bool> yields;   // true: that rung's thread runs at a lower priority (see below)
};

// Threads for an encode of `rung_pixels` (width x height of each encoded rung, in the ladder's
// order) from a source of `source_pixels` on `cores` cores (0 counts as 1).
//
// Every extra thread costs CPU time: libx264's frame threads wait on each other row by row and
// libavcodec's frame-threaded decoder copies its state between threads. So when the rungs are
// enough to keep the cores busy one thread each, every rung gets one thread (libx264 then also
// runs its lookahead in that thread) and so does the decoder. That holds when the heaviest rung
// needs at most one core's share of the whole encode: its share of the encoded pixels times
// kEncoderShare (libx264's part of the CPU time; the decoder and the scalers take the rest) at most
// 1 / cores. The heaviest rung is then the encode's critical path: it keeps the normal priority
// and every other rung yields to it, so the scheduler gives it a core whenever it has a frame
// instead of sharing the cores out evenly while it falls behind and the others wait for it. The
// decoder gets one thread unless its work (kDecodeCost per source pixel) would exceed one core's
// share of the encode.
// Measured on 2 cores, 1080p..360p ladder from a 20 s 1080p H.264 source at veryfast, medians of 5
// alternating runs, against threads 2,1,1,1 with libavcodec's 3-thread decoder: 0.95x the wall
// time and 0.96x the CPU time (yielding at nice +6; +12, as now, measured better still), 14 % less
// peak memory. Without the yielding, one thread per rung was slower than before (1.04x): the
// heaviest rung got an even share of a core and fell behind.
//
// Otherwise (more cores than the rungs can fill one thread each) the rungs share 1.5 threads per
// core by pixel count, libx264's own count per encoder: rung i gets ceil(pixels_i / all pixels *
// cores * 1.5), at least 1 and at most cores * 1.5; the decoder chooses for itself; nobody yields.
//
// Either way, with two cores or more a rung of at most kSmallRungPixels gets at least two threads.
// libx264's rate control in one thread starts the stream blurred: the B-frames right after the
// opening IDR frame come out far below the rest (360p from the bench's 1080p input: frames 2 to 8
// at 34.3-35.3 dB, against at least 38.3 dB with two threads, or libx264's own count). Across
// 60 s that costs 0.13 dB of pooled PSNR at 360p and 0.05 dB at 480p. A second
// thread costs a small rung little CPU time (measured with ffmpeg on that input: +1 % at 360p,
// +3 % at 480p, but +15 % at 720p, so bigger rungs keep one).
EncodeThreads encode_threads(int64_t source_pixels, const std::vector<int64_t>& rung_pixels, unsigned cores);

// libx264's part of the CPU time of a ladder encode at the veryfast preset (measured 74-78 % on a
// 1080p..360p ladder; slower presets have more).
inline constexpr double kEncoderShare = 0.75;
// The largest rung (width x height) that never runs libx264 in one thread on two cores or more:
// 854x480 and 640x480 are below it, 1024x576 and 1280x720 above.
inline constexpr int64_t kSmallRungPixels = 500'000;
// Decoding cost per source pixel relative to libx264's per encoded pixel, on the pessimistic side
// (1080p H.264 measured 0.16; HEVC and AV1 cost more).
inline constexpr double kDecodeCost = 0.5;

}  // namespace ve::core
