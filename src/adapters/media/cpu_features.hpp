// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace ve::adapters::media {

// Tells FFmpeg's libraries, before they choose their machine code, that AVX2 gather instructions
// are slow here (AV_CPU_FLAG_SLOW_GATHER; every other detected feature stays). Gathers are
// microcoded on AMD's Zen cores (and slowed on Intel's by the Gather Data Sampling microcode fix).
// The code that matters to us and checks the flag is libswscale's AVX2 horizontal scalers: with it
// they give way to the SSSE3 ones, which compute the same pictures (tested byte for byte).
// Measured on AMD EPYC, 2 cores, 20 s 1080p input: a 1080p -> 720p bicubic scale about 30 % less
// CPU; a 1080p..360p ladder encode about 5 % less CPU (medians of 3-5 runs on a noisy machine).
// Call once, first thing in main().
void avoid_slow_gathers();

}  // namespace ve::adapters::media
