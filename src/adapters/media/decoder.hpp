// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "adapters/media/av_handles.hpp"
#include "core/error.hpp"

namespace ve::adapters::media {

// A decoder for `stream`, or InvalidInput naming the track and its codec. Video decoders use
// `video_threads` (0: the threads libavcodec chooses); audio decoders run on the caller's thread
// (audio is cheap to decode, and a frame-threaded audio decoder only adds hand-overs).
core::Result<CodecContext> open_decoder(const AVStream& stream, int video_threads = 0);

}  // namespace ve::adapters::media
