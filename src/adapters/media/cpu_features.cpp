// SPDX-License-Identifier: Apache-2.0
#include "adapters/media/cpu_features.hpp"

extern "C" {
#include <libavutil/cpu.h>
}

namespace ve::adapters::media {

void avoid_slow_gathers() { av_force_cpu_flags(av_get_cpu_flags() | AV_CPU_FLAG_SLOW_GATHER); }

}  // namespace ve::adapters::media
