// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace ve::adapters::media {

// Tells FFmpeg's libraries, before they choose their machine code, that AVX2 gather instructions
// are slow here (AV_CPU_FLAG_SLOW_GATHER; every other detected feature stays). Gathers are
// microcoded on AMD's Zen cores and made slow by Intel's Gather Data Sampling microcode fix, and
// the only users in Debian's FFmpeg 5.1 are libswscale's AVX2 horizontal scalers: with the flag it
// uses its SSSE3 ones, which compute the same pictures (same 14-bit coefficients, same rounding;
// tested). Measured on AMD EPYC, 2 cores: a 1080p -> 720p bicubic scale 30 % less CPU; a
// 1080p..360p ladder encode 4 % less CPU and wall time. Call once, first thing in main().
void avoid_slow_gathers();

}  // namespace ve::adapters::media
