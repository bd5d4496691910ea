// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/av_handles.hpp"

extern "C" {
#include <libavutil/error.h>
}

namespace ve::adapters::media {

std::string av_error_text(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

}  // namespace ve::adapters::media
