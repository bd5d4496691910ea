// SPDX-License-Identifier: Apache-2.0
#include "core/picture_filters.hpp"

#include <vector>

namespace ve::core {

std::string picture_filter_chain(const PictureFixes& fixes) {
  std::vector<std::string> steps;
  if (fixes.deinterlace) steps.emplace_back("yadif=mode=send_frame:parity=auto:deint=interlaced");
  if (fixes.tone_map) {
    // Linear light at 100 nits nominal peak, BT.709 primaries, Hable's curve without
    // desaturation, then BT.709 transfer and matrix (the usual zscale recipe).
    steps.emplace_back(
        "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,"
        "zscale=t=bt709:m=bt709:r=tv,format=yuv420p");
  }
  switch (((fixes.rotation % 360) + 360) % 360) {
    case 90: steps.emplace_back("transpose=clock"); break;
    case 180: steps.emplace_back("hflip,vflip"); break;
    case 270: steps.emplace_back("transpose=cclock"); break;
    default: break;
  }
  if (steps.empty()) return "null";
  std::string chain;
  for (const auto& s : steps) chain += (chain.empty() ? "" : ",") + s;
  return chain;
}

}  // namespace ve::core
